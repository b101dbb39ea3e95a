/* rsdclient.h — a small Redshift Data API client (json 1.1 over HTTP, SigV4
 * signed) for `nuage sql`, on libcurl. One client per thread.
 */
#ifndef NUAGE_SQLCMD_RSDCLIENT_H
#define NUAGE_SQLCMD_RSDCLIENT_H

#include <jansson.h>
#include <stddef.h>

#include "core/buf.h"

struct rsdc {
	void *curl;
	char url[512];
	char host[256];
	char access_key[128], secret_key[128], region[64];
	char token[2048];
	struct buf resp;
};

/* endpoint: http://host:port (no path). 0, or -1 with err. */
int rsdc_init(struct rsdc *c, const char *endpoint, const char *ak, const char *sk, const char *region,
	      const char *session_token, char *err, size_t errlen);
void rsdc_free(struct rsdc *c);
/* Calls RedshiftData.<op> with body (not stolen). Returns the response
 * document (caller decrefs), or NULL with err = "Code: message". */
json_t *rsdc_call(struct rsdc *c, const char *op, json_t *body, char *err, size_t errlen);

#endif
