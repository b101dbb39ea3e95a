/* main.c — the nuage command line: serve, file, version, help. */
#include "formats/filecmd.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fputs("usage: nuage <command> [options]\n"
	      "  serve     run the AWS endpoint (see nuage help serve)\n"
	      "  file      inspect and convert CSV, JSON lines and Parquet files\n"
	      "  version   print the version\n"
	      "  help      this text\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "version")) {
		printf("nuage %s\n", NUAGE_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "file"))
		return file_command(argc - 1, argv + 1);
	fprintf(stderr, "nuage: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
