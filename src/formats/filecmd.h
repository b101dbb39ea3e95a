/* filecmd.h — `nuage file schema|head|convert`: the command users reach for
 * to look inside and convert CSV, JSON lines and Parquet files. */
#ifndef NUAGE_FORMATS_FILECMD_H
#define NUAGE_FORMATS_FILECMD_H

/* argv[0] is "file"; returns the process exit status. */
int file_command(int argc, char **argv);

#endif
