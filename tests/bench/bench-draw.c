/*
 * bench-draw.c - time to draw a full TUI frame at 200x50 for a heap of
 * 100,000 chunks next to a heap of 100 chunks.  ncurses writes to /dev/null
 * through newterm; each frame scrolls the chunk pane so its content really
 * changes.  The heap snapshot is rebuilt once per operation, not per frame;
 * its cost is reported separately.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "tui_internal.h"

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void fill(tui *t, int nchunks)
{
	eng_result r;
	char name[32];
	for (int i = 0; i < nchunks; i++) {
		snprintf(name, sizeof name, "c%d", i);
		eng_op op = {.kind = ENG_MALLOC, .dst = eng_var(t->eng, name, true), .x = (uint64_t)(16 + (i % 40) * 24)};
		eng_exec(t->eng, &op, &r);
	}
	for (int i = 0; i < nchunks; i += 3) {
		uint64_t p;
		snprintf(name, sizeof name, "c%d", i);
		eng_var_get(t->eng, eng_var(t->eng, name, false), &p);
		eng_op op = {.kind = ENG_FREE, .dst = -1, .x = p};
		eng_exec(t->eng, &op, &r);
	}
}

static void measure(int nchunks, SCREEN *scr)
{
	(void)scr;
	tui_opts o = {.seed = 1};
	tui *t = tui_new(&o);
	fill(t, nchunks);
	theme_apply(&t->th);
	t->rows = 50;
	t->cols = 200;
	layout_compute(t);
	double t0 = now_ms();
	const heapview *v = sess_view(t->sess); /* once per operation */
	double t1 = now_ms();
	int frames = 300;
	double best = 1e9, total = 0;
	for (int f = 0; f < frames; f++) {
		t->scroll[P_CHUNKS] = (long)((size_t)f * 7919 % (v->n ? v->n : 1));
		double a = now_ms();
		tui_draw(t);
		wnoutrefresh(stdscr);
		doupdate();
		double d = now_ms() - a;
		total += d;
		if (d < best)
			best = d;
	}
	/* then operations one at a time, the snapshot brought up to date
	 * after each (only what changed is walked again) */
	double upd = 0, worst = 0;
	int nops = 2000;
	eng_result r;
	char name[32];
	for (int i = 0; i < nops; i++) {
		/* a new block, or the free of one fill() left in use (each once) */
		eng_op op;
		if (i % 2 == 0) {
			snprintf(name, sizeof name, "n%d", i);
			op = (eng_op){.kind = ENG_MALLOC, .dst = eng_var(t->eng, name, true), .x = (uint64_t)(16 + (i % 40) * 24)};
		} else {
			uint64_t p = 0;
			snprintf(name, sizeof name, "c%d", ((i * 7919) % (nchunks / 3)) * 3 + 1);
			eng_var_get(t->eng, eng_var(t->eng, name, false), &p);
			op = (eng_op){.kind = ENG_FREE, .dst = -1, .x = p};
		}
		eng_exec(t->eng, &op, &r);
		double a = now_ms();
		sess_view(t->sess);
		double d = now_ms() - a;
		upd += d;
		worst = d > worst ? d : worst;
	}
	printf("draw: %7zu chunks: %.3f ms per frame (mean of %d, best %.3f); snapshot rebuild %.2f ms; snapshot update "
	       "per operation %.4f ms (mean of %d mallocs and frees, worst %.3f)\n",
	       v->n, total / frames, frames, best, t1 - t0, upd / nops, nops, worst);
	tui_free(t);
}

/* `play 0` of a 100,000-line script: lines batched per frame, one draw
 * (and one view rebuild) per frame. */
static void measure_play(void)
{
	char path[] = "/tmp/heapscope-bench-play-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		return;
	int lines = 100000;
	for (int i = 0; i < lines; i++) {
		if (i % 3 == 2)
			fprintf(f, "free(p%d)\n", i - 2);
		else
			fprintf(f, "p%d = malloc(%d)\n", i, 16 + (i % 40) * 24);
	}
	fclose(f);
	tui_opts o = {.seed = 1};
	tui *t = tui_new(&o);
	theme_apply(&t->th);
	t->rows = 50;
	t->cols = 200;
	layout_compute(t);
	if (sess_load_quiet(t->sess, path) != SESS_OK) {
		unlink(path);
		tui_free(t);
		return;
	}
	t->play_ms = 0;
	int frames = 0;
	double t0 = now_ms();
	for (bool on = true; on; frames++) {
		on = tui_play_frame(t);
		tui_draw(t);
		wnoutrefresh(stdscr);
		doupdate();
	}
	double secs = (now_ms() - t0) / 1e3;
	printf("play 0 of %d lines: %.2f s, %d frames drawn (%.0f lines per frame; one draw per line before)\n", lines,
	       secs, frames, (double)lines / frames);
	unlink(path);
	tui_free(t);
}

int main(void)
{
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	SCREEN *scr = newterm("xterm-256color", out, in);
	if (!scr) {
		puts("draw: cannot open a virtual terminal (xterm-256color terminfo missing)");
		return 1;
	}
	resizeterm(50, 200);
	start_color();
	use_default_colors();
	measure(100, scr);
	measure(100000, scr);
	measure_play();
	endwin();
	delscreen(scr);
	return 0;
}
