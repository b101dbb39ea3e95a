/* lineedit.h — a minimal terminal line editor with history for `nuage sql`
 * (no readline in nuage's dependency list): left/right, home/end (also
 * Ctrl-A/Ctrl-E), backspace/delete, Ctrl-U/Ctrl-K, up/down through
 * history, Ctrl-C to drop the line, Ctrl-D on an empty line for EOF.
 * History persists in a file, one entry per line (newlines in an entry
 * are kept as "\n" escapes), at most LE_HISTORY entries.
 *
 * On a terminal that cannot be put in raw mode (or not a terminal) it
 * reads plain lines.
 */
#ifndef NUAGE_SQLCMD_LINEEDIT_H
#define NUAGE_SQLCMD_LINEEDIT_H

#include <stddef.h>

#define LE_HISTORY 1000
#define LE_MAX_LINE (1u << 20)

struct lineedit {
	char **hist;
	int nhist;
	char path[4096];
	int interrupted; /* the last read ended with Ctrl-C */
};

void le_init(struct lineedit *le, const char *history_path);
void le_free(struct lineedit *le);
/* Reads a line (without the newline). Returns a malloc'd string the caller
 * frees, or NULL at EOF. */
char *le_read(struct lineedit *le, const char *prompt);
/* Adds an entry (a whole statement) to the history and its file. */
void le_add(struct lineedit *le, const char *entry);

#endif
