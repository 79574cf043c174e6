# jsonl2cmp.awk - reduce heapscope's --format=jsonl to the driver's columns:
#   seq op off chunk mmapped brk ret (run with -v ABS=1 to compare mmapped
#   chunks by absolute address)
function field(line, key,    m) {
	if (match(line, "\"" key "\":(\"[^\"]*\"|[^,}]*)")) {
		m = substr(line, RSTART + length(key) + 3, RLENGTH - length(key) - 3)
		gsub(/"/, "", m)
		return m
	}
	return ""
}
{
	op = field($0, "op")
	if (op != "malloc" && op != "free" && op != "calloc" && op != "realloc" && op != "malloc_trim" && op != "mallopt" &&
	    op != "output" && op != "fopen" && op != "file_io" && op != "fclose" && op != "setvbuf" && op != "sbrk" &&
	    op != "memalign" && op != "aligned_alloc" && op != "posix_memalign" && op != "valloc" && op != "pvalloc")
		next
	off = field($0, "off"); if (off == "") off = "null"
	# with ABS=1 (the driver ran under setarch -R), mmapped chunks compare
	# by absolute address
	if (ABS && field($0, "mmapped") == "true" && field($0, "ptr") != "") off = field($0, "ptr")
	chunk = field($0, "chunk"); if (chunk == "") chunk = 0
	mm = field($0, "mmapped"); if (mm == "") mm = "false"
	ret = field($0, "ret"); if (ret == "") ret = "-"
	if (field($0, "error") != "") { print n++, "error: " field($0, "error"); next }
	print n++, op, off, chunk, mm, field($0, "brk"), ret
}
