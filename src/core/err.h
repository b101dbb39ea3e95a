/* err.h — the error catalogue: every AWS error nuage returns has an id here
 * (err.def) with its HTTP status, wire code and default message. Handlers
 * and layers name errors by id; protocols decide how to render them. */
#ifndef NUAGE_CORE_ERR_H
#define NUAGE_CORE_ERR_H

enum err_id {
	ERR_NONE = 0,
#define E(id, status, code, msg) ERR_##id,
#include "core/err.def"
#undef E
	ERR__COUNT
};

struct err_info {
	int status;
	const char *code;
	const char *message;
};

const struct err_info *err_info(enum err_id id);

#endif
