/* server.h — the HTTP/1.1 listener: one acceptor thread and one thread per
 * connection (see server.c for why), bounded by max_connections. */
#ifndef NUAGE_HTTP_SERVER_H
#define NUAGE_HTTP_SERVER_H

struct config;

/* Binds and listens; returns 0 or -1 (reason logged). */
int server_start(const struct config *cfg);
/* The port actually bound (useful with --port 0). */
int server_port(void);
/* Stops accepting, lets in-flight requests finish (up to grace_ms), closes
 * idle connections, and returns when every connection thread has ended. */
void server_stop(int grace_ms);

#endif
