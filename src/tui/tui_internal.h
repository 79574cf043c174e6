/*
 * tui_internal.h - the TUI's state and the contract between its parts.
 *
 * Update, then draw: commands change the model only through the session;
 * every key or command marks the screen dirty and the main loop redraws
 * all panes from the session's cached heap snapshot.  Each pane has a
 * draw function (reads t, writes only inside its rectangle) and a line
 * count used for scrolling; only visible rows are drawn, so a frame costs
 * the same for 100 chunks or 100,000.
 */
#ifndef HEAPSCOPE_TUI_INTERNAL_H
#define HEAPSCOPE_TUI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heapscope/report.h"
#include "heapscope/session.h"
#include "heapscope/tui.h"
#include "theme.h"

#define TUI_MIN_W 60
#define TUI_MIN_H 16
#define TUI_LOG_MAX 5000

typedef struct rect {
	int y, x, h, w;
} rect;

typedef enum pane_id { P_SPACE, P_CHUNKS, P_BINS, P_LOG, P_SCRIPT, P_COUNT } pane_id;

typedef struct logline {
	char *text;
	int role;
} logline;

/* a pre-rendered line of a pane: text with one role per byte run */
typedef struct styled_line {
	char *text;
	uint8_t *roles; /* one role per byte of text */
} styled_line;

typedef struct styled_lines {
	styled_line *l;
	size_t n, cap;
} styled_lines;

typedef struct tui {
	engine *eng;
	session *sess;
	theme th;
	int rows, cols;
	bool too_small;
	rect pane[P_COUNT];
	bool visible[P_COUNT];
	int focus; /* a pane, or -1 for the prompt */
	int last_pane; /* pane F2 zooms when the prompt has focus */
	int zoom; /* zoomed pane or -1 */
	long scroll[P_COUNT]; /* first visible line (log: lines up from the end) */
	bool help;
	int help_scroll;
	bool quit;
	bool dirty;
	bool mouse;
	int limit_ms; /* how long a student's call may run (0: 2000) */
	/* the log */
	logline *log;
	size_t nlog;
	/* caches rebuilt when the engine's generation changes */
	uint64_t gen_bins, gen_space;
	styled_lines bins, space;
	uint64_t *space_at; /* start of the mapping on each line of space (0: none) */
	uint64_t space_focus; /* address of the mapping the last operation changed */
	uint64_t space_mark; /* the same while the last operation's change is on screen (0: none) */
	bool space_follow; /* scroll the address pane to it on the next draw */
	bool bins_all, bins_raw;
	report_vars vars; /* variables by value, for chunk rows */
	uint64_t hl_chunk; /* chunk changed by the last operation */
	bool follow_hl; /* scroll the chunk pane to it on next draw */
	/* running a script */
	bool playing;
	int play_ms;
	bool play_started; /* the first line of a play runs at once */
	bool utf8; /* the terminal's locale is UTF-8 (block characters draw) */
	struct compare *cmp; /* the journal for `compare NAME`, drawn where the bins are when on */
	bool narrate; /* the strip that says why the last operation went as it did (F3) */
	bool why_stale; /* a continue ran: narrate its last operation after it */
	char *why; /* the narration shown in the strip */
	rect why_rect;
	char *caption; /* the last `say` (or `pause "text"`), until the next */
	rect caption_rect;
	char title[128]; /* the scene's name (`title`), in the status bar */
	unsigned captions; /* captions shown so far (--export-pauses writes a frame at each) */
	uint64_t script_gen; /* the session's script generation last laid out */
} tui;

/* drawing helpers (draw.c) */
void ui_box(rect r, const char *title, bool focus);
/* Print text clipped to w columns at (y, x) in a role; returns columns used. */
int ui_put(int y, int x, int w, int role, const char *text);
/* printf into a clipped field. */
int ui_putf(int y, int x, int w, int role, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Fill w columns with blanks in a role. */
void ui_fill(int y, int x, int w, int role);
/* Human size: 4K, 1.5M, 42T. */
void ui_size(char *buf, size_t n, uint64_t bytes);
/* Append a styled run to a pre-rendered line. */
void vl_add(styled_line *l, int role, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Start a new line in a list; returns it. */
styled_line *vl_new(styled_lines *v);
/* Empty a list. */
void vl_clear(styled_lines *v);
/* Draw a pre-rendered line clipped to w columns. */
void vl_draw(const styled_line *l, int y, int x, int w);

/* layout.c */
void layout_compute(tui *t);
/* The pane under screen cell (y, x), or -1. */
int layout_pane_at(const tui *t, int y, int x);

/* panes */
void pane_space_draw(tui *t, rect r);
size_t pane_space_lines(tui *t);
void pane_chunks_draw(tui *t, rect r);
size_t pane_chunks_lines(tui *t);
void pane_bins_draw(tui *t, rect r);
size_t pane_bins_lines(tui *t);
void pane_log_draw(tui *t, rect r);
size_t pane_log_lines(tui *t);
void pane_script_draw(tui *t, rect r);
size_t pane_script_lines(tui *t);
/* The role that colours a chunk state. */
int pane_state_role(int state);
/* The letter that stands for a chunk state in the heap map. */
char pane_state_char(int state);

/* log.c */
void log_add(tui *t, int role, const char *text);
void log_clear(tui *t);

/* prompt.c: GNU readline through its callback interface */
void prompt_init(tui *t);
void prompt_done(tui *t);
/* Feed one key (a curses key code or a byte) to readline. */
void prompt_key(tui *t, int ch);
/* Drop the current line (Ctrl-C). */
void prompt_cancel(tui *t);
/* Whether the line being edited is empty. */
bool prompt_empty(void);
/* Draw the prompt row and place the cursor. */
void prompt_draw(tui *t);

/* terminal.c: signals, suspend and the crash guard */
void term_signals_install(void);
/* The signal (SIGTERM, SIGHUP, SIGINT) that asked heapscope to end, or 0. */
int term_signal(void);
/* Whether SIGTSTP arrived since the last call. */
bool term_take_stop(void);
/* Stop the process until SIGCONT (curses must have let go already). */
void term_suspend(void);
/* The terminal's size as the kernel has it now; false when unknown. */
bool term_size(int *rows, int *cols);
/* After initscr: fatal signals restore the terminal before they kill. */
void term_crash_guard(void);
/* Let go of the terminal (before a fatal message). */
void term_restore(void);

/* pane_why.c: the narration strip */
void why_update(tui *t, const eng_result *r);
void pane_why_draw(tui *t, rect r);
/* The caption (`say`) above the narration strip. */
void pane_caption_draw(tui *t, rect r);
/* Rows the caption needs at width w on a screen h rows high: large letters
 * when the theme says `big`, the terminal speaks UTF-8 and they fit in a
 * third of the screen, else one or two rows of text. */
int pane_caption_rows(const tui *t, int w, int h);

/* tui.c: one frame of play: the next line, or (when the delay is shorter
 * than a frame) every line that fits in TUI_FRAME_MS; false when playing
 * stops (a pause, the end, an error). */
#define TUI_FRAME_MS 33
bool tui_play_frame(tui *t);

/* pane_compare.c: a second allocator running the same script in step */
typedef struct compare compare;
/* The journal (always kept) and, when on, the second engine. */
compare *compare_new(void);
void compare_free(compare *c);
/* Start comparing with NAME (design NULL: glibc; mm: a student's
 * allocator, which c then owns), or stop (name NULL). */
void compare_set(compare *c, const char *name, const tb_alloc *design, alloc_mm *mm);
bool compare_on(const compare *c);
/* Record the session's operation r (id: the variable it names) for the
 * mirror; session_ops is how many operations the session's log holds. */
void compare_op(compare *c, const eng_result *r, const char *id, size_t session_ops);
/* Draw the second allocator's blocks in r. */
void pane_compare_draw(tui *t, rect r);

/* bigtext.c: one line of text in large block letters, 3 rows high and 2
 * columns per character, clipped to w columns. */
void bigtext_line(int y, int x, int w, int role, const char *text);

/* export.c: write the cells of r (the screen or a pane) to path, the
 * format from its extension (.txt .ans .html .svg); false with err set. */
bool tui_export(tui *t, rect r, const char *path, char *err, size_t errlen);

/* tui.c */
/* Run a line the user typed (or a key's command). */
void tui_run_line(tui *t, const char *line);
/* Draw a complete frame (used by the main loop and the benchmark). */
void tui_draw(tui *t);
/* Set up the state over a fresh engine without touching the terminal. */
tui *tui_new(const tui_opts *o);
/* Release the state. */
void tui_free(tui *t);

#endif
