/* sqlcmd.h — `nuage sql`: a terminal client for nuage's warehouses that
 * talks to a running nuage through the Redshift Data API, like psql talks
 * to a server. */
#ifndef NUAGE_SQLCMD_SQLCMD_H
#define NUAGE_SQLCMD_SQLCMD_H

/* argv[0] is "sql"; returns the process exit status. */
int sql_command(int argc, char **argv);

#endif
