/* err.c — see err.h. */
#include "core/err.h"

static const struct err_info table[] = {
	[ERR_NONE] = {200, "", ""},
#define E(id, status, code, msg) [ERR_##id] = {status, code, msg},
#include "core/err.def"
#undef E
};

const struct err_info *err_info(enum err_id id)
{
	if ((unsigned)id >= ERR__COUNT)
		id = ERR_INTERNAL;
	return &table[id];
}
