/*
 * theme.h - colour themes: semantic roles mapped to colours and attributes.
 *
 * One list of roles (THEME_ROLES) gives the enum, the keys of theme files
 * and the legend.  A theme file has one line per role:
 *     ROLE  FG  BG  [ATTR ...]
 * FG and BG are `default`, a colour name (black red green yellow blue
 * magenta cyan white), a number 0-255, or N/NAME: 256-colour N with NAME
 * used where the terminal has only 8 colours.  ATTR is bold, dim,
 * underline, reverse, italic or standout, or `big`: the caption is drawn
 * in large block letters when the terminal speaks UTF-8 and there is room
 * (the classroom theme).  `#` starts a comment.
 */
#ifndef HEAPSCOPE_TUI_THEME_H
#define HEAPSCOPE_TUI_THEME_H

#include <stdbool.h>
#include <stddef.h>

#define THEME_ROLES(X)                              \
	X(NORMAL, "normal", "text")                  \
	X(BORDER, "border", "pane border")           \
	X(BORDER_FOCUS, "border_focus", "focused")   \
	X(TITLE, "title", "pane title")              \
	X(INUSE, "inuse", "in use")                  \
	X(TCACHE, "tcache", "tcache")                \
	X(FAST, "fastbin", "fastbin")                \
	X(UNSORTED, "unsorted", "unsorted")          \
	X(SMALL, "smallbin", "small bin")            \
	X(LARGE, "largebin", "large bin")            \
	X(TOP, "top", "top")                         \
	X(MMAP, "mmapped", "mmapped")                \
	X(SEG_TEXT, "seg_text", "text")              \
	X(SEG_DATA, "seg_data", "data")              \
	X(SEG_BSS, "seg_bss", "bss")                 \
	X(SEG_HEAP, "seg_heap", "heap")              \
	X(SEG_MMAP, "seg_mmap", "mmap area")         \
	X(SEG_LIB, "seg_lib", "library")             \
	X(SEG_STACK, "seg_stack", "stack")           \
	X(GAP, "gap", "unmapped gap")                \
	X(HIGHLIGHT, "highlight", "last change")     \
	X(ERROR, "error", "error")                   \
	X(WARN, "warning", "warning")                \
	X(INFO, "info", "info")                      \
	X(SYSCALL, "syscall", "system call")         \
	X(FAULT, "fault", "glibc abort")             \
	X(PROMPT, "prompt", "prompt")                \
	X(STATUS, "status", "status bar")            \
	X(SCRIPT_NEXT, "script_next", "next line")   \
	X(DIM, "dim", "secondary text")               \
	X(NARRATION, "narration", "why")             \
	X(CAPTION, "caption", "caption")             \
	X(OUTPUT, "output", "program output")

typedef enum theme_role {
#define X(id, key, label) ROLE_##id,
	THEME_ROLES(X)
#undef X
	ROLE_COUNT
} theme_role;

typedef struct theme_style {
	short fg, bg; /* 256-colour values, -1 = default */
	short fg8, bg8; /* 8-colour fallbacks */
	unsigned attrs; /* curses attributes */
	bool big; /* large letters (only the caption uses it) */
} theme_style;

typedef struct theme {
	char name[64];
	theme_style style[ROLE_COUNT];
} theme;

/* Load a theme by name (searching the theme folders) or by path.  On a
 * malformed file or an unknown name, err gets a message (with file:line) and
 * the result is false; *t is then the built-in default. */
bool theme_load(theme *t, const char *name_or_path, char *err, size_t errlen);
/* Parse theme text; false with "where:line: msg" in err. */
bool theme_parse(theme *t, const char *text, const char *where, char *err, size_t errlen);
/* The built-in default theme. */
void theme_default(theme *t);
/* Key of a role in theme files. */
const char *theme_role_key(int role);
/* Human label of a role, for the legend. */
const char *theme_role_label(int role);
/* Names of the themes found in the theme folders (NULL-terminated, static). */
const char *const *theme_names(void);
/* Install the theme into curses (colour pairs); call after start_color. */
void theme_apply(const theme *t);
/* The curses attribute (colour pair and attributes) for a role. */
int theme_attr(int role);
/* Whether the current theme asks for a role in large letters (`big`). */
bool theme_big(int role);

#endif
