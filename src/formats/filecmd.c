/* filecmd.c — placeholder until the format readers land (issue 5). */
#include "formats/filecmd.h"

#include <stdio.h>

int file_command(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs("nuage file: not built yet\n", stderr);
	return 2;
}
