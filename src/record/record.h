/*
 * record.h - `heapscope record`: running a program under the recorder
 * (run.c) and turning its logs into scripts (convert.c).
 */
#ifndef HEAPSCOPE_RECORD_H
#define HEAPSCOPE_RECORD_H

#include <stddef.h>

/* Write the script for recorder log logpath to outpath; 0, or -1 with a
 * message in err. */
int record_convert(const char *logpath, const char *outpath, char *err, size_t errlen);
/* `heapscope record [-o DIR] [--] PROG ARGS...` (argv after "record");
 * an HS_EXIT_ status. */
int record_main(int argc, char **argv);

#endif
