/* lineedit.c — see lineedit.h. The line is redrawn whole after each key
 * (carriage return, prompt, text, clear to end, cursor back): simple and
 * right for lines that fit the terminal's width; longer lines wrap and
 * still edit correctly, only the redraw is less tidy.
 */
#include "sqlcmd/lineedit.h"
#include "core/buf.h"
#include "core/mem.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] == 'n') {
			*w++ = '\n';
			r++;
		} else if (r[0] == '\\' && r[1] == '\\') {
			*w++ = '\\';
			r++;
		} else {
			*w++ = *r;
		}
	}
	*w = 0;
}

static void push(struct lineedit *le, char *entry)
{
	if (le->nhist == LE_HISTORY) {
		free(le->hist[0]);
		memmove(le->hist, le->hist + 1, sizeof *le->hist * (LE_HISTORY - 1));
		le->nhist--;
	}
	le->hist[le->nhist++] = entry;
}

void le_init(struct lineedit *le, const char *history_path)
{
	memset(le, 0, sizeof *le);
	le->hist = xcalloc(LE_HISTORY, sizeof *le->hist);
	if (!history_path)
		return;
	snprintf(le->path, sizeof le->path, "%s", history_path);
	FILE *f = fopen(le->path, "r");
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = 0;
		if (!n || (size_t)n > LE_MAX_LINE)
			continue;
		unescape(line);
		push(le, xstrdup(line));
	}
	free(line);
	fclose(f);
}

void le_free(struct lineedit *le)
{
	for (int i = 0; i < le->nhist; i++)
		free(le->hist[i]);
	free(le->hist);
	memset(le, 0, sizeof *le);
}

void le_add(struct lineedit *le, const char *entry)
{
	if (!entry[0] || (le->nhist && !strcmp(le->hist[le->nhist - 1], entry)))
		return;
	push(le, xstrdup(entry));
	if (!le->path[0])
		return;
	FILE *f = fopen(le->path, "a");
	if (!f)
		return;
	for (const char *p = entry; *p; p++) {
		if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\\')
			fputs("\\\\", f);
		else
			fputc(*p, f);
	}
	fputc('\n', f);
	fclose(f);
}

static char *plain_read(const char *prompt)
{
	if (prompt && isatty(STDIN_FILENO)) {
		fputs(prompt, stdout);
		fflush(stdout);
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);
	if (n <= 0) {
		free(line);
		return NULL;
	}
	if (line[n - 1] == '\n')
		line[--n] = 0;
	if (n && line[n - 1] == '\r')
		line[--n] = 0;
	return line;
}

static void redraw(const char *prompt, const struct buf *b, size_t pos)
{
	struct buf o;
	buf_init(&o, LE_MAX_LINE * 2);
	buf_adds(&o, "\r");
	buf_adds(&o, prompt);
	buf_add(&o, b->data ? b->data : "", b->len);
	buf_adds(&o, "\x1b[K");
	/* cursor back over the characters after pos */
	size_t back = 0;
	for (size_t i = pos; i < b->len; i++)
		back += ((unsigned char)b->data[i] & 0xc0) != 0x80;
	if (back)
		buf_addf(&o, "\x1b[%zuD", back);
	if (write(STDOUT_FILENO, o.data, o.len) < 0) {
		/* nothing to do: the terminal went away */
	}
	buf_free(&o);
}

static void set_line(struct buf *b, size_t *pos, const char *s)
{
	buf_reset(b);
	/* Multi-line history entries are edited on one line. */
	for (const char *p = s; *p; p++)
		buf_addc(b, *p == '\n' ? ' ' : *p);
	*pos = b->len;
}

static int read_key(void)
{
	unsigned char ch;
	ssize_t n;
	do
		n = read(STDIN_FILENO, &ch, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 ? ch : -1;
}

char *le_read(struct lineedit *le, const char *prompt)
{
	le->interrupted = 0;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return plain_read(NULL);
	struct termios orig, raw;
	if (tcgetattr(STDIN_FILENO, &orig))
		return plain_read(prompt);
	raw = orig;
	raw.c_iflag &= ~(unsigned)(BRKINT | ICRNL | INPCK | ISTRIP | IXON);
	raw.c_lflag &= ~(unsigned)(ECHO | ICANON | IEXTEN | ISIG);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	/* TCSADRAIN, not TCSAFLUSH: keys typed while the last statement ran
	 * are kept, not thrown away. */
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw))
		return plain_read(prompt);
	struct buf b;
	buf_init(&b, LE_MAX_LINE);
	size_t pos = 0;
	int hi = le->nhist;
	char *saved = NULL;
	char *out = NULL;
	bool eof = false;
	redraw(prompt, &b, pos);
	for (;;) {
		int k = read_key();
		if (k < 0) {
			eof = true;
			break;
		}
		if (k == '\r' || k == '\n')
			break;
		if (k == 3) { /* Ctrl-C */
			le->interrupted = 1;
			buf_reset(&b);
			break;
		}
		if (k == 4) { /* Ctrl-D */
			if (!b.len) {
				eof = true;
				break;
			}
			if (pos < b.len) {
				memmove(b.data + pos, b.data + pos + 1, b.len - pos - 1);
				b.data[--b.len] = 0;
			}
		} else if (k == 127 || k == 8) {
			if (pos > 0) {
				size_t st = pos - 1;
				while (st > 0 && ((unsigned char)b.data[st] & 0xc0) == 0x80)
					st--;
				memmove(b.data + st, b.data + pos, b.len - pos);
				b.len -= pos - st;
				b.data[b.len] = 0;
				pos = st;
			}
		} else if (k == 1) {
			pos = 0;
		} else if (k == 5) {
			pos = b.len;
		} else if (k == 21) { /* Ctrl-U */
			memmove(b.data, b.data + pos, b.len - pos);
			b.len -= pos;
			if (b.data)
				b.data[b.len] = 0;
			pos = 0;
		} else if (k == 11) { /* Ctrl-K */
			b.len = pos;
			if (b.data)
				b.data[b.len] = 0;
		} else if (k == 27) {
			int a = read_key(), c = read_key();
			if (a != '[' && a != 'O')
				continue;
			if (c == 'D' && pos > 0) {
				pos--;
				while (pos > 0 && ((unsigned char)b.data[pos] & 0xc0) == 0x80)
					pos--;
			} else if (c == 'C' && pos < b.len) {
				pos++;
				while (pos < b.len && ((unsigned char)b.data[pos] & 0xc0) == 0x80)
					pos++;
			} else if (c == 'H') {
				pos = 0;
			} else if (c == 'F') {
				pos = b.len;
			} else if (c == 'A' && hi > 0) {
				if (hi == le->nhist) {
					free(saved);
					saved = xstrndup(b.data ? b.data : "", b.len);
				}
				hi--;
				set_line(&b, &pos, le->hist[hi]);
			} else if (c == 'B' && hi < le->nhist) {
				hi++;
				set_line(&b, &pos, hi == le->nhist ? (saved ? saved : "") : le->hist[hi]);
			} else if (c == '3') { /* Delete: ESC [ 3 ~ */
				read_key();
				if (pos < b.len) {
					size_t e = pos + 1;
					while (e < b.len && ((unsigned char)b.data[e] & 0xc0) == 0x80)
						e++;
					memmove(b.data + pos, b.data + e, b.len - e);
					b.len -= e - pos;
					b.data[b.len] = 0;
				}
			}
		} else if (k >= 32 || k == '\t') {
			char ch = (char)k;
			if (buf_add(&b, "", 1) == 0) { /* room for one more byte */
				b.len--;
				memmove(b.data + pos + 1, b.data + pos, b.len - pos);
				b.data[pos] = ch;
				b.len++;
				b.data[b.len] = 0;
				pos++;
			}
		}
		redraw(prompt, &b, pos);
	}
	tcsetattr(STDIN_FILENO, TCSADRAIN, &orig);
	if (write(STDOUT_FILENO, "\r\n", 2) < 0) {
		/* the terminal went away */
	}
	free(saved);
	if (!eof)
		out = xstrndup(b.data ? b.data : "", b.len);
	buf_free(&b);
	return out;
}
