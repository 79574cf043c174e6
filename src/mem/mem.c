/*
 * mem.c - simulated address space: sorted mappings over a two-level table
 * of copy-on-write pages.
 *
 * A page slot holds NULL (reads as zero, never written), HOLE (punched out
 * by a partial munmap: any access faults) or a page with a reference count.
 * A directory slot holds NULL (a leaf's worth of zero pages) or a leaf with a reference
 * count.  A leaf shared by more than one address space (refs > 1) is copied
 * before any of its slots changes; a page referenced more than once (by
 * several leaves) is copied before it is written.  So a clone taken for undo
 * never sees later writes, and costs only its directories.
 *
 * A page only history still holds may be packed (mem_pack_history): its
 * nonzero 8-byte words and a bitmap of where they go, typically a twentieth
 * of the page, since a simulated heap holds little besides chunk headers
 * and list pointers.  A packed page reads the same as the page it replaced;
 * the first access through a space unpacks it into a page private to that
 * space's (then copied) leaf, so history stays packed.  Packing only ever
 * replaces a page by one with the same bytes, so any leaf may be changed in
 * place.
 *
 * The fill pools and the pool of spare pages are the process's own: an
 * address space is used by one thread at a time.
 */
#include "heapscope/mem.h"

#include <stdlib.h>
#include <string.h>

#include "heapscope/xalloc.h"

struct mem_page {
	uint32_t refs;
	uint16_t nw; /* packed: the nonzero words in b (after the bitmap) */
	uint8_t packed;
	uint8_t pad_;
	uint8_t b[]; /* MEM_PAGE bytes, or packed: 512-bit bitmap then words */
};

struct mem_leaf {
	uint32_t refs;
	mem_page *p[MEM_LEAF_PAGES];
};

#define HOLE ((mem_page *)1)
#define LEAF_SHIFT 4
_Static_assert(1u << LEAF_SHIFT == MEM_LEAF_PAGES, "LEAF_SHIFT matches MEM_LEAF_PAGES");
#define LEAF_MASK (MEM_LEAF_PAGES - 1)
#define PAGE_BYTES (sizeof(mem_page) + MEM_PAGE)
#define PAGE_COST (PAGE_BYTES + sizeof(void *))
#define PACK_WORDS (MEM_PAGE / 8)
#define PACK_BITMAP (PACK_WORDS / 8)

static bool real(const mem_page *p)
{
	return p && p != HOLE;
}

/* One shared, never-freed page per byte value: a page filled entirely with
 * that byte costs a pointer.  Writing to it copies it (it is always shared).
 * Likewise one shared leaf per byte value whose pages are all that page. */
static mem_page *fill_pool[256];
static mem_leaf *fill_leaves[256];

static mem_page *fill_page(int byte)
{
	mem_page *p = fill_pool[byte & 0xff];
	if (!p) {
		p = xcalloc(1, PAGE_BYTES);
		memset(p->b, byte, MEM_PAGE);
		p->refs = 1; /* the pool's own reference */
		fill_pool[byte & 0xff] = p;
	}
	p->refs++;
	return p;
}

static mem_leaf *fill_leaf(int byte)
{
	mem_leaf *l = fill_leaves[byte & 0xff];
	if (!l) {
		l = xmalloc(sizeof *l);
		l->refs = 1; /* the pool's own reference */
		for (unsigned i = 0; i < MEM_LEAF_PAGES; i++)
			l->p[i] = fill_page(byte);
		fill_leaves[byte & 0xff] = l;
	}
	l->refs++;
	return l;
}

/* The byte a page is uniformly filled with, or -1 (NULL reads as 0). */
static int uniform_byte(const mem_page *p)
{
	if (!p)
		return 0;
	if (p != HOLE && !p->packed && fill_pool[p->b[0]] == p)
		return p->b[0];
	return -1;
}

/* Whole pages freed lately, kept for reuse: copy-on-write after every
 * checkpoint frees and takes thousands, and the host allocator would hand
 * their memory back to the kernel and fault it in again. */
#define SPARE_MAX 4096
static mem_page *spare[SPARE_MAX];
static unsigned nspare;

static void page_free(mem_page *p)
{
	if (!p->packed && nspare < SPARE_MAX)
		spare[nspare++] = p;
	else
		free(p);
}

static mem_page *page_new(void)
{
	mem_page *p = nspare ? spare[--nspare] : xmalloc(PAGE_BYTES);
	p->refs = 1;
	p->nw = 0;
	p->packed = 0;
	return p;
}

/* Host bytes page p costs. */
static size_t page_size(const mem_page *p)
{
	return p->packed ? sizeof *p + PACK_BITMAP + 8u * p->nw : PAGE_BYTES;
}

/* Write the bytes of packed page p into out (a page's worth). */
static void unpack(const mem_page *p, uint8_t *out)
{
	const uint8_t *bits = p->b, *w = p->b + PACK_BITMAP;
	memset(out, 0, MEM_PAGE);
	for (unsigned i = 0; i < PACK_BITMAP; i++)
		for (unsigned b = bits[i]; b; b &= b - 1) {
			memcpy(out + 8 * (8 * i + (unsigned)__builtin_ctz(b)), w, 8);
			w += 8;
		}
}

/* The bytes of page p (real): in place, or unpacked into buf. */
static const uint8_t *page_data(const mem_page *p, uint8_t *buf)
{
	if (!p->packed)
		return p->b;
	unpack(p, buf);
	return buf;
}

/* A new private page with the bytes of page p (real). */
static mem_page *page_copy(const mem_page *p)
{
	mem_page *c = page_new();
	if (p->packed)
		unpack(p, c->b);
	else
		memcpy(c->b, p->b, MEM_PAGE);
	return c;
}

static void page_drop(mem_page *p)
{
	if (real(p) && --p->refs == 0)
		page_free(p);
}

static void leaf_drop(mem_leaf *l)
{
	if (!l || --l->refs)
		return;
	for (unsigned i = 0; i < MEM_LEAF_PAGES; i++)
		page_drop(l->p[i]);
	free(l);
}

/* Space m drops its reference to leaf l: what others keep is history now. */
static void leaf_release(mem_space *m, mem_leaf *l)
{
	if (!l)
		return;
	if (l->refs > 1) {
		m->detached += sizeof *l;
	} else {
		for (unsigned i = 0; i < MEM_LEAF_PAGES; i++)
			if (real(l->p[i]) && l->p[i]->refs > 1)
				m->detached += page_size(l->p[i]) + sizeof(void *);
	}
	leaf_drop(l);
}

static size_t map_npages(const mem_map *mp)
{
	return (size_t)((mp->end - mp->start + MEM_PAGE - 1) / MEM_PAGE);
}

static size_t map_nleaves(const mem_map *mp)
{
	return (map_npages(mp) + LEAF_MASK) >> LEAF_SHIFT;
}

static mem_page *slot_get(const mem_map *mp, size_t k)
{
	mem_leaf *l = mp->dir[k >> LEAF_SHIFT];
	return l ? l->p[k & LEAF_MASK] : NULL;
}

/* The pages of [start, start + npages pages) are shared now: cached
 * translations of them may still be read through but not written. */
static void tlb_share(mem_space *m, uint64_t start, size_t npages)
{
	if (npages >= MEM_TLB) {
		for (int i = 0; i < MEM_TLB; i++)
			m->tlb[i].w = 0;
		return;
	}
	for (size_t i = 0; i < npages; i++) {
		uint64_t a = start + (uint64_t)i * MEM_PAGE;
		mem_tlb *t = &m->tlb[(a >> 12) & (MEM_TLB - 1)];
		if (t->tag == a)
			t->w = 0;
	}
}

/* Forget the cached translations of [start, start + len). */
static void tlb_drop(mem_space *m, uint64_t start, uint64_t len)
{
	if (len / MEM_PAGE >= MEM_TLB) {
		mem_tlb_flush(m);
		return;
	}
	start &= ~(uint64_t)(MEM_PAGE - 1);
	for (uint64_t a = start; a - start < len; a += MEM_PAGE) {
		mem_tlb *t = &m->tlb[(a >> 12) & (MEM_TLB - 1)];
		if (t->tag == a)
			t->tag = MEM_TLB_NONE;
	}
}

/* A pointer to page slot k in a leaf this space owns alone. */
static mem_page **slot_w(mem_space *m, mem_map *mp, size_t k)
{
	mem_leaf **lp = &mp->dir[k >> LEAF_SHIFT];
	mem_leaf *l = *lp;
	if (!l) {
		l = xcalloc(1, sizeof *l);
		l->refs = 1;
		*lp = l;
	} else if (l->refs > 1) {
		mem_leaf *c = xmalloc(sizeof *c);
		c->refs = 1;
		for (unsigned i = 0; i < MEM_LEAF_PAGES; i++) {
			c->p[i] = l->p[i];
			if (real(c->p[i]))
				c->p[i]->refs++;
		}
		l->refs--;
		m->detached += sizeof *l;
		*lp = l = c;
		/* the leaf's pages are shared now: none may be written in place */
		tlb_share(m, mp->start + (uint64_t)(k & ~(size_t)LEAF_MASK) * MEM_PAGE, MEM_LEAF_PAGES);
	}
	return &l->p[k & LEAF_MASK];
}

/* Replace the page in slot k with v (NULL, HOLE or a page reference). */
static void slot_set(mem_space *m, mem_map *mp, size_t k, mem_page *v)
{
	mem_page **s = slot_w(m, mp, k);
	if (real(*s) && (*s)->refs > 1)
		m->detached += page_size(*s) + sizeof(void *);
	page_drop(*s);
	*s = v;
}

/* Whether leaf l (NULL = zeros) has a punched-out page. */
static bool leaf_has_hole(const mem_leaf *l)
{
	if (!l)
		return false;
	for (unsigned i = 0; i < MEM_LEAF_PAGES; i++)
		if (l->p[i] == HOLE)
			return true;
	return false;
}

void mem_tlb_flush(mem_space *m)
{
	for (int i = 0; i < MEM_TLB; i++)
		m->tlb[i].tag = MEM_TLB_NONE;
}

mem_space *mem_new(void)
{
	mem_space *m = xcalloc(1, sizeof *m);
	mem_tlb_flush(m);
	return m;
}

static void map_release(mem_map *mp)
{
	size_t nl = map_nleaves(mp);
	for (size_t i = 0; i < nl; i++)
		leaf_drop(mp->dir[i]);
	free(mp->dir);
	mp->dir = NULL;
}

void mem_free(mem_space *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		map_release(&m->maps[i]);
	free(m->maps);
	free(m);
}

mem_space *mem_clone(const mem_space *m)
{
	/* shared pages may no longer be written in place by the original */
	tlb_share((mem_space *)m, 0, MEM_TLB);
	mem_space *c = mem_new();
	c->cap = c->n = m->n;
	c->mapped = m->mapped;
	c->maps = xreallocarray(NULL, c->cap ? c->cap : 1, sizeof *c->maps);
	for (size_t i = 0; i < m->n; i++) {
		const mem_map *s = &m->maps[i];
		mem_map *d = &c->maps[i];
		size_t nl = map_nleaves(s);
		*d = *s;
		d->cap = nl;
		d->dir = xreallocarray(NULL, nl ? nl : 1, sizeof *d->dir);
		for (size_t k = 0; k < nl; k++) {
			if (s->dir[k])
				s->dir[k]->refs++;
			d->dir[k] = s->dir[k];
		}
	}
	return c;
}

static size_t find_index(const mem_space *m, uint64_t addr)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->maps[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo; /* first mapping whose end is above addr */
}

static mem_map *lookup(mem_space *m, uint64_t addr)
{
	if (m->hot < m->n) {
		mem_map *h = &m->maps[m->hot];
		if (addr - h->start < h->end - h->start)
			return h;
	}
	size_t i = find_index(m, addr);
	if (i < m->n && m->maps[i].start <= addr) {
		m->hot = i;
		return &m->maps[i];
	}
	return NULL;
}

const mem_map *mem_find(mem_space *m, uint64_t addr)
{
	return lookup(m, addr);
}

bool mem_map_add(mem_space *m, uint64_t start, uint64_t len, mem_kind kind, int prot, const char *name)
{
	/* no cached translation changes: only mapped pages are ever cached */
	if (len == 0 || start + len < start || len > MEM_LIMIT || m->mapped + len > MEM_LIMIT)
		return false;
	size_t i = find_index(m, start);
	if (i < m->n && m->maps[i].start < start + len)
		return false;
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 16;
		m->maps = xreallocarray(m->maps, m->cap, sizeof *m->maps);
	}
	memmove(&m->maps[i + 1], &m->maps[i], sizeof *m->maps * (m->n - i));
	m->n++;
	mem_map *mp = &m->maps[i];
	memset(mp, 0, sizeof *mp);
	mp->start = start;
	mp->end = start + len;
	mp->kind = (uint8_t)kind;
	mp->prot = (uint8_t)prot;
	mp->vma = mp->anon = ++m->next_vma;
	strncpy(mp->name, name ? name : "", sizeof mp->name - 1);
	mp->cap = map_nleaves(mp);
	mp->dir = xcalloc(mp->cap ? mp->cap : 1, sizeof *mp->dir);
	m->mapped += len;
	m->hot = 0;
	return true;
}

bool mem_map_file(mem_space *m, uint64_t start, uint64_t len, mem_kind kind, int prot, const char *path,
		  uint64_t off)
{
	if (!mem_map_add(m, start, len, kind, prot, path))
		return false;
	m->maps[find_index(m, start)].off = off;
	return true;
}

/* Whether hi can join lo's area: both anonymous and unnamed, the same
 * permissions, and page offsets that continue. */
static bool vma_joins(const mem_map *lo, const mem_map *hi)
{
	/* an arena's heap (MAP_NORESERVE) and a thread's stack (MAP_STACK)
	 * carry flags other anonymous areas lack */
	return lo->end == hi->start && !lo->name[0] && !hi->name[0] && lo->prot == hi->prot &&
	       lo->off + (lo->end - lo->start) == hi->off && (lo->kind == MEM_ARENA) == (hi->kind == MEM_ARENA) &&
	       (lo->kind == MEM_TSTACK) == (hi->kind == MEM_TSTACK);
}

mem_map *mem_map_at(mem_space *m, uint64_t start)
{
	size_t i = find_index(m, start);
	return i < m->n && m->maps[i].start == start ? &m->maps[i] : NULL;
}

void mem_vma_merge(mem_space *m, uint64_t start)
{
	size_t i = find_index(m, start);
	if (i >= m->n || m->maps[i].start != start)
		return;
	mem_map *mp = &m->maps[i];
	mem_map *prev = i > 0 && vma_joins(&m->maps[i - 1], mp) ? &m->maps[i - 1] : NULL;
	mem_map *next = i + 1 < m->n && vma_joins(mp, &m->maps[i + 1]) ? &m->maps[i + 1] : NULL;
	if (prev && next && prev->anon != next->anon)
		next = NULL;
	if (prev)
		mp->vma = prev->vma, mp->anon = prev->anon;
	else if (next)
		mp->anon = next->anon;
	if (next) {
		uint32_t old = next->vma;
		for (size_t k = i + 1; k < m->n && m->maps[k].vma == old; k++)
			m->maps[k].vma = mp->vma;
	}
}

void mem_vma_rejoin(mem_space *m, uint64_t start)
{
	size_t i = find_index(m, start);
	if (i >= m->n || m->maps[i].start != start)
		return;
	mem_map *mp = &m->maps[i];
	if (i > 0 && vma_joins(&m->maps[i - 1], mp) && m->maps[i - 1].anon == mp->anon)
		for (size_t k = i; k < m->n && m->maps[k].start == m->maps[k - 1].end && m->maps[k].vma == mp->vma; k++)
			m->maps[k].vma = m->maps[i - 1].vma;
	if (i + 1 < m->n && vma_joins(mp, &m->maps[i + 1]) && m->maps[i + 1].anon == mp->anon) {
		uint32_t old = m->maps[i + 1].vma;
		for (size_t k = i + 1; k < m->n && m->maps[k].vma == old; k++)
			m->maps[k].vma = mp->vma;
	}
}

static void remove_at(mem_space *m, size_t i)
{
	mem_map *mp = &m->maps[i];
	size_t nl = map_nleaves(mp);
	for (size_t k = 0; k < nl; k++)
		leaf_release(m, mp->dir[k]);
	free(mp->dir);
	m->mapped -= mp->end - mp->start;
	memmove(&m->maps[i], &m->maps[i + 1], sizeof *m->maps * (m->n - i - 1));
	m->n--;
	m->hot = 0;
}

/* Set pages [ka, kb) of mp to v (NULL or HOLE), a whole leaf at a time
 * where the range covers one; holes stay holes when keep_holes is set.
 * Returns whether anything changed. */
static bool set_range(mem_space *m, mem_map *mp, size_t ka, size_t kb, mem_page *v, bool keep_holes)
{
	bool changed = false;
	size_t k = ka;
	while (k < kb) {
		size_t li = k >> LEAF_SHIFT;
		if (!(k & LEAF_MASK) && k + MEM_LEAF_PAGES <= kb && (v == HOLE || !keep_holes || !leaf_has_hole(mp->dir[li]))) {
			if (v == NULL && !mp->dir[li]) {
				k += MEM_LEAF_PAGES; /* already zeros */
				continue;
			}
			changed = true;
			if (v == NULL) {
				leaf_release(m, mp->dir[li]);
				mp->dir[li] = NULL;
			} else {
				/* a leaf of holes: private (holes cost nothing to share) */
				leaf_release(m, mp->dir[li]);
				mem_leaf *l = xmalloc(sizeof *l);
				l->refs = 1;
				for (unsigned j = 0; j < MEM_LEAF_PAGES; j++)
					l->p[j] = HOLE;
				mp->dir[li] = l;
			}
			k += MEM_LEAF_PAGES;
			continue;
		}
		if (mp->dir[li] || v == HOLE) {
			mem_page *cur = slot_get(mp, k);
			if (cur != v && !(keep_holes && cur == HOLE)) {
				slot_set(m, mp, k, v);
				changed = true;
			}
		}
		k++;
	}
	return changed;
}

void mem_unmap(mem_space *m, uint64_t start, uint64_t len)
{
	tlb_drop(m, start, len);
	uint64_t end = start + len < start ? UINT64_MAX : start + len;
	size_t i = find_index(m, start);
	while (i < m->n && m->maps[i].start < end) {
		mem_map *mp = &m->maps[i];
		if (mp->start >= start && mp->end <= end) {
			remove_at(m, i);
			continue;
		}
		uint64_t a = start > mp->start ? start : mp->start;
		uint64_t b = end < mp->end ? end : mp->end;
		set_range(m, mp, (size_t)((a - mp->start) / MEM_PAGE), (size_t)((b - mp->start + MEM_PAGE - 1) / MEM_PAGE),
			  HOLE, true);
		i++;
	}
}

bool mem_resize(mem_space *m, uint64_t start, uint64_t newlen)
{
	mem_tlb_flush(m);
	size_t i = find_index(m, start);
	if (i >= m->n || m->maps[i].start != start || newlen == 0 || start + newlen < start)
		return false;
	mem_map *mp = &m->maps[i];
	uint64_t oldlen = mp->end - mp->start;
	if (newlen > oldlen && (newlen - oldlen > MEM_LIMIT || m->mapped + (newlen - oldlen) > MEM_LIMIT))
		return false;
	if (i + 1 < m->n && start + newlen > m->maps[i + 1].start)
		return false;
	size_t oldnp = map_npages(mp), oldnl = map_nleaves(mp);
	size_t newnp = (size_t)((newlen + MEM_PAGE - 1) / MEM_PAGE);
	size_t newnl = (newnp + LEAF_MASK) >> LEAF_SHIFT;
	if (newnp < oldnp) {
		/* pages past the new end read as zeros if the mapping grows again;
		 * a page cut partially keeps its bytes, as the kernel's would */
		set_range(m, mp, newnp, newnl << LEAF_SHIFT < oldnp ? newnl << LEAF_SHIFT : oldnp, NULL, false);
		for (size_t k = newnl; k < oldnl; k++) {
			leaf_release(m, mp->dir[k]);
			mp->dir[k] = NULL;
		}
	}
	if (newnl > mp->cap) {
		size_t nc = mp->cap ? mp->cap : 1;
		while (nc < newnl)
			nc *= 2;
		mp->dir = xreallocarray(mp->dir, nc, sizeof *mp->dir);
		mp->cap = nc;
	}
	for (size_t k = oldnl; k < newnl; k++)
		mp->dir[k] = NULL;
	m->mapped = m->mapped - oldlen + newlen;
	mp->end = start + newlen;
	return true;
}

bool mem_split(mem_space *m, uint64_t at)
{
	mem_tlb_flush(m);
	if (at % MEM_PAGE)
		return false;
	size_t i = find_index(m, at);
	if (i >= m->n || m->maps[i].start >= at || m->maps[i].end <= at)
		return true; /* no mapping straddles at */
	mem_map hi = m->maps[i];
	uint64_t lo_len = at - hi.start;
	/* the upper part: a mapping of its own holding the same pages */
	hi.start = at;
	hi.off += lo_len;
	if (hi.kind != MEM_ARENA && hi.kind != MEM_TSTACK) /* those keep their arena's or thread's number */
		hi.aux = 0;
	hi.vma = ++m->next_vma; /* its own area now (the same anon_vma): alike neighbours rejoin */
	hi.cap = map_nleaves(&hi);
	hi.dir = xcalloc(hi.cap ? hi.cap : 1, sizeof *hi.dir);
	size_t k0 = (size_t)(lo_len / MEM_PAGE), np = map_npages(&hi);
	for (size_t j = 0; j < np; j++) {
		size_t src = k0 + j;
		if (!(src & LEAF_MASK) && !m->maps[i].dir[src >> LEAF_SHIFT]) {
			j += LEAF_MASK; /* a leaf never written: nothing to carry over */
			continue;
		}
		mem_page *p = slot_get(&m->maps[i], src);
		if (!p)
			continue;
		if (real(p))
			p->refs++;
		slot_set(m, &hi, j, p);
	}
	uint64_t start = m->maps[i].start;
	if (m->n == m->cap) {
		m->cap = 2 * m->cap;
		m->maps = xreallocarray(m->maps, m->cap, sizeof *m->maps);
	}
	/* cut the lower part first: the upper range must be free to insert;
	 * the bytes it gives back count again for the upper part */
	if (!mem_resize(m, start, lo_len))
		return false;
	m->mapped += hi.end - hi.start;
	memmove(&m->maps[i + 2], &m->maps[i + 1], sizeof *m->maps * (m->n - i - 1));
	m->maps[i + 1] = hi;
	m->n++;
	m->hot = 0;
	return true;
}

bool mem_grow_down(mem_space *m, uint64_t start, uint64_t newstart)
{
	mem_tlb_flush(m);
	size_t i = find_index(m, start);
	if (i >= m->n || m->maps[i].start != start || newstart >= start || newstart % MEM_PAGE ||
	    (i > 0 && m->maps[i - 1].end > newstart) || m->mapped + (start - newstart) > MEM_LIMIT)
		return false;
	mem_map *old = &m->maps[i], grown = *old;
	size_t shift = (size_t)((start - newstart) / MEM_PAGE), np = map_npages(old);
	grown.start = newstart;
	grown.off -= start - newstart;
	grown.cap = map_nleaves(&grown);
	grown.dir = xcalloc(grown.cap ? grown.cap : 1, sizeof *grown.dir);
	for (size_t j = 0; j < np; j++) {
		mem_page *p = slot_get(old, j);
		if (!p)
			continue;
		if (real(p))
			p->refs++;
		slot_set(m, &grown, j + shift, p);
	}
	map_release(old);
	*old = grown;
	m->mapped += start - newstart;
	m->hot = 0;
	return true;
}

bool mem_move(mem_space *m, uint64_t from, uint64_t to)
{
	mem_tlb_flush(m);
	size_t i = find_index(m, from);
	if (i >= m->n || m->maps[i].start != from)
		return false;
	mem_map saved = m->maps[i];
	uint64_t len = saved.end - saved.start;
	if (to + len < to)
		return false;
	memmove(&m->maps[i], &m->maps[i + 1], sizeof *m->maps * (m->n - i - 1));
	m->n--;
	size_t j = find_index(m, to);
	if (j < m->n && m->maps[j].start < to + len) {
		/* put it back: the destination is taken */
		memmove(&m->maps[i + 1], &m->maps[i], sizeof *m->maps * (m->n - i));
		m->maps[i] = saved;
		m->n++;
		return false;
	}
	memmove(&m->maps[j + 1], &m->maps[j], sizeof *m->maps * (m->n - j));
	saved.start = to;
	saved.end = to + len;
	m->maps[j] = saved;
	m->n++;
	m->hot = 0;
	return true;
}

bool mem_discard(mem_space *m, uint64_t start, uint64_t len)
{
	bool changed = false;
	uint64_t end = start + len < start ? UINT64_MAX : start + len;
	/* only what is mapped: a bogus range costs the mappings it meets */
	for (size_t i = find_index(m, start); i < m->n && m->maps[i].start < end; i++) {
		mem_map *mp = &m->maps[i];
		uint64_t a = start > mp->start ? start : mp->start;
		uint64_t b = end < mp->end ? end : mp->end;
		changed |= set_range(m, mp, (size_t)((a - mp->start + MEM_PAGE - 1) / MEM_PAGE),
				     (size_t)((b - mp->start) / MEM_PAGE), NULL, true);
	}
	if (changed)
		mem_tlb_flush(m);
	return changed;
}

uint64_t mem_find_gap_below(const mem_space *m, uint64_t hint, uint64_t len, uint64_t floor)
{
	/* top-down first fit, as Linux places anonymous mappings */
	uint64_t top = hint;
	for (size_t i = m->n; i-- > 0;) {
		const mem_map *mp = &m->maps[i];
		if (mp->start >= top)
			continue;
		if (mp->end > top) {
			top = mp->start;
			continue;
		}
		if (top - mp->end >= len)
			return top - len;
		top = mp->start;
	}
	if (top > floor && top - floor >= len)
		return top - len;
	return 0;
}

uint64_t mem_find_gap_above(const mem_space *m, uint64_t base, uint64_t len, uint64_t ceiling)
{
	/* bottom-up first fit, as Linux places mappings in the legacy layout */
	uint64_t lo = base;
	for (size_t i = find_index(m, base); i < m->n; i++) {
		const mem_map *mp = &m->maps[i];
		if (mp->end <= lo)
			continue;
		if (mp->start >= lo && mp->start - lo >= len)
			break;
		lo = mp->end > lo ? mp->end : lo;
	}
	return lo + len >= lo && lo + len <= ceiling ? lo : 0;
}

/* Return a writable pointer to byte addr, copying a shared page first. */
static uint8_t *wptr(mem_space *m, uint64_t addr)
{
	mem_map *mp = lookup(m, addr);
	if (!mp || !(mp->prot & MEM_W))
		return NULL;
	size_t k = (size_t)((addr - mp->start) / MEM_PAGE);
	mem_page *p = slot_get(mp, k);
	if (p == HOLE)
		return NULL;
	mem_page **s = slot_w(m, mp, k);
	p = *s;
	if (!p) {
		p = page_new();
		memset(p->b, 0, MEM_PAGE);
		*s = p;
	} else if (p->refs > 1 || p->packed) {
		/* shared, or packed (by history): this space gets its own copy */
		mem_page *c = page_copy(p);
		if (p->refs > 1)
			m->detached += page_size(p) + sizeof(void *);
		page_drop(p);
		*s = c;
		p = c;
	}
	/* the page is now private and writable: cache it for both directions,
	 * unless it may not be read (a -w- page: the cache serves reads too) */
	mem_tlb *t = &m->tlb[(addr >> 12) & (MEM_TLB - 1)];
	if (!(mp->prot & MEM_R)) {
		t->tag = MEM_TLB_NONE;
		return &p->b[(addr - mp->start) % MEM_PAGE];
	}
	t->tag = addr & ~(uint64_t)(MEM_PAGE - 1);
	t->data = p->b + ((t->tag - mp->start) % MEM_PAGE);
	t->w = 1;
	return &p->b[(addr - mp->start) % MEM_PAGE];
}

/* Return a readable pointer to addr, NULL for a zero page, via *ok the fault. */
static const uint8_t *rptr(mem_space *m, uint64_t addr, bool *ok)
{
	static const uint8_t zero[MEM_PAGE];
	mem_map *mp = lookup(m, addr);
	if (!mp || !(mp->prot & MEM_R)) {
		*ok = false;
		return NULL;
	}
	size_t k = (size_t)((addr - mp->start) / MEM_PAGE);
	mem_leaf *l = mp->dir[k >> LEAF_SHIFT];
	mem_page *p = l ? l->p[k & LEAF_MASK] : NULL;
	if (p == HOLE) {
		*ok = false;
		return NULL;
	}
	if (p && p->packed) {
		/* unpack into this space's own leaf: history keeps the packed page */
		mem_page **s = slot_w(m, mp, k);
		mem_page *c = page_copy(p);
		if (p->refs > 1)
			m->detached += page_size(p) + sizeof(void *);
		page_drop(p);
		*s = p = c;
		l = mp->dir[k >> LEAF_SHIFT];
	}
	*ok = true;
	mem_tlb *t = &m->tlb[(addr >> 12) & (MEM_TLB - 1)];
	t->tag = addr & ~(uint64_t)(MEM_PAGE - 1);
	t->data = (uint8_t *)(p ? p->b : zero);
	t->w = p && p->refs == 1 && l->refs == 1 && (mp->prot & MEM_W);
	return p ? &p->b[(addr - mp->start) % MEM_PAGE] : &zero[(addr - mp->start) % MEM_PAGE];
}

bool mem_read(mem_space *m, uint64_t addr, void *dst, size_t n)
{
	uint8_t *d = dst;
	while (n > 0) {
		bool ok;
		const uint8_t *s = rptr(m, addr, &ok);
		if (!ok) {
			m->fault = addr;
			return false;
		}
		size_t chunk = MEM_PAGE - (size_t)(addr % MEM_PAGE);
		if (chunk > n)
			chunk = n;
		memcpy(d, s, chunk);
		d += chunk;
		addr += chunk;
		n -= chunk;
	}
	return true;
}

bool mem_write(mem_space *m, uint64_t addr, const void *src, size_t n)
{
	const uint8_t *s = src;
	while (n > 0) {
		uint8_t *d = wptr(m, addr);
		if (!d) {
			m->fault = addr;
			return false;
		}
		size_t chunk = MEM_PAGE - (size_t)(addr % MEM_PAGE);
		if (chunk > n)
			chunk = n;
		memcpy(d, s, chunk);
		s += chunk;
		addr += chunk;
		n -= chunk;
	}
	return true;
}

bool mem_fill(mem_space *m, uint64_t addr, int byte, uint64_t n)
{
	byte &= 0xff;
	mem_map *mp = NULL;
	bool flushed = false;
	while (n > 0) {
		size_t chunk = MEM_PAGE - (size_t)(addr % MEM_PAGE);
		if (chunk > n)
			chunk = (size_t)n;
		if (!mp || addr - mp->start >= mp->end - mp->start)
			mp = lookup(m, addr);
		if (!mp || !(mp->prot & MEM_W)) {
			m->fault = addr;
			return false;
		}
		size_t k = (size_t)((addr - mp->start) / MEM_PAGE);
		mem_page *cur = slot_get(mp, k);
		if (cur == HOLE) {
			m->fault = addr;
			return false;
		}
		size_t li = k >> LEAF_SHIFT;
		if (!(k & LEAF_MASK) && chunk == MEM_PAGE && n >= (uint64_t)MEM_PAGE * MEM_LEAF_PAGES &&
		    mp->start + ((uint64_t)(k + MEM_LEAF_PAGES) * MEM_PAGE) <= mp->end && !leaf_has_hole(mp->dir[li])) {
			/* a whole leaf: share the uniform leaf instead of writing */
			leaf_release(m, mp->dir[li]);
			mp->dir[li] = byte ? fill_leaf(byte) : NULL;
			if (!flushed)
				mem_tlb_flush(m), flushed = true;
			addr += (uint64_t)MEM_PAGE * MEM_LEAF_PAGES;
			n -= (uint64_t)MEM_PAGE * MEM_LEAF_PAGES;
			continue;
		}
		if (uniform_byte(cur) == byte) {
			/* already reads as this byte everywhere */
		} else if (chunk == MEM_PAGE) {
			/* a whole page: share the uniform page instead of writing */
			slot_set(m, mp, k, byte ? fill_page(byte) : NULL);
			m->tlb[(addr >> 12) & (MEM_TLB - 1)].tag = MEM_TLB_NONE;
		} else {
			uint8_t *d = wptr(m, addr);
			if (!d) {
				m->fault = addr;
				return false;
			}
			memset(d, byte, chunk);
			mp = NULL;
		}
		addr += chunk;
		n -= chunk;
	}
	return true;
}

bool mem_copy(mem_space *m, uint64_t dst, uint64_t src, uint64_t n)
{
	uint8_t buf[MEM_PAGE];
	while (n > 0) {
		size_t chunk = MEM_PAGE - (size_t)(src % MEM_PAGE);
		if (chunk > n)
			chunk = (size_t)n;
		mem_map *sp = lookup(m, src);
		if (!sp || !(sp->prot & MEM_R)) {
			m->fault = src;
			return false;
		}
		mem_page *p = slot_get(sp, (size_t)((src - sp->start) / MEM_PAGE));
		if (p == HOLE) {
			m->fault = src;
			return false;
		}
		int u = uniform_byte(p);
		if (u >= 0) {
			if (!mem_fill(m, dst, u, chunk))
				return false;
		} else if (!mem_read(m, src, buf, chunk) || !mem_write(m, dst, buf, chunk)) {
			return false;
		}
		dst += chunk;
		src += chunk;
		n -= chunk;
	}
	return true;
}

bool mem_rd64_slow(mem_space *m, uint64_t addr, uint64_t *out)
{
	if ((addr & (MEM_PAGE - 1)) <= MEM_PAGE - 8) {
		bool ok;
		const uint8_t *s = rptr(m, addr, &ok);
		if (!ok) {
			m->fault = addr;
			return false;
		}
		memcpy(out, s, 8);
		return true;
	}
	return mem_read(m, addr, out, 8);
}

bool mem_wr64_slow(mem_space *m, uint64_t addr, uint64_t v)
{
	if ((addr & (MEM_PAGE - 1)) <= MEM_PAGE - 8) {
		uint8_t *d = wptr(m, addr);
		if (!d) {
			m->fault = addr;
			return false;
		}
		memcpy(d, &v, 8);
		return true;
	}
	return mem_write(m, addr, &v, 8);
}

uint64_t mem_take_detached(mem_space *m)
{
	uint64_t d = m->detached;
	m->detached = 0;
	return d;
}

/* A packed copy of page p (real, not packed), or NULL when it would not
 * be much smaller; *zero set when p reads as zeros throughout. */
static mem_page *pack(const mem_page *p, bool *zero)
{
	/* one pass makes the bitmap and counts, a second gathers the words */
	uint8_t bits[PACK_BITMAP];
	unsigned nw = 0;
	for (unsigned i = 0; i < PACK_BITMAP; i++) {
		unsigned byte = 0;
		for (unsigned j = 0; j < 8; j++) {
			uint64_t v;
			memcpy(&v, p->b + 8 * (8 * i + j), 8);
			byte |= (unsigned)(v != 0) << j;
			nw += v != 0;
		}
		bits[i] = (uint8_t)byte;
	}
	*zero = nw == 0;
	if (nw == 0 || nw > PACK_WORDS / 2)
		return NULL;
	mem_page *c = xmalloc(sizeof *c + PACK_BITMAP + 8u * nw);
	c->refs = 0;
	c->nw = (uint16_t)nw;
	c->packed = 1;
	memcpy(c->b, bits, PACK_BITMAP);
	uint8_t *out = c->b + PACK_BITMAP;
	for (unsigned i = 0; i < PACK_BITMAP; i++)
		for (unsigned b = bits[i]; b; b &= b - 1) {
			memcpy(out, p->b + 8 * (8 * i + (unsigned)__builtin_ctz(b)), 8);
			out += 8;
		}
	return c;
}

/* The page slot for address addr in m, or NULL (unmapped, or in a leaf
 * never written). */
static mem_page **slot_at(const mem_space *m, uint64_t addr)
{
	size_t i = find_index(m, addr);
	if (i >= m->n || m->maps[i].start > addr)
		return NULL;
	const mem_map *mp = &m->maps[i];
	size_t k = (size_t)((addr - mp->start) / MEM_PAGE);
	mem_leaf *l = mp->dir[k >> LEAF_SHIFT];
	return l ? &l->p[k & LEAF_MASK] : NULL;
}

int64_t mem_pack_history(mem_space *const *snaps, size_t n, mem_space *cur)
{
	if (!n)
		return 0;
	int64_t saved = 0;
	const mem_space *top = snaps[n - 1];
	for (size_t i = 0; i < top->n; i++) {
		const mem_map *mp = &top->maps[i];
		/* cur's mapping at the same start shares leaves index for index */
		size_t ci = find_index(cur, mp->start);
		const mem_map *cm = ci < cur->n && cur->maps[ci].start == mp->start ? &cur->maps[ci] : NULL;
		size_t nl = map_nleaves(mp), np = map_npages(mp), cnp = cm ? map_npages(cm) : 0;
		for (size_t li = 0; li < nl; li++) {
			mem_leaf *l = mp->dir[li];
			/* cur's leaf at the same place, when cur maps it alike */
			const mem_leaf *cl = cm && (li << LEAF_SHIFT) < cnp ? cm->dir[li] : NULL;
			if (!l || cl == l)
				continue;
			if (l->p[0] && uniform_byte(l->p[0]) >= 0 && fill_leaves[uniform_byte(l->p[0])] == l)
				continue;
			for (size_t j = 0; j < MEM_LEAF_PAGES && (li << LEAF_SHIFT) + j < np; j++) {
				mem_page *p = l->p[j];
				if (!real(p) || p->packed || uniform_byte(p) >= 0)
					continue;
				uint64_t addr = mp->start + (uint64_t)((li << LEAF_SHIFT) + j) * MEM_PAGE;
				if (cm && (li << LEAF_SHIFT) + j < cnp) {
					if (cl && cl->p[j] == p)
						continue; /* still the current page */
				} else {
					mem_page **cs = slot_at(cur, addr);
					if (cs && *cs == p)
						continue;
				}
				bool zero;
				mem_page *c = pack(p, &zero);
				if (!c && !zero)
					continue;
				/* replace p here and down the older snapshots, which hold it
				 * at the same address for as long as it lived */
				uint32_t had = p->refs, dropped = 0;
				for (size_t s = n; s-- > 0;) {
					mem_page **sp = s == n - 1 ? &l->p[j] : slot_at(snaps[s], addr);
					if (!sp || (*sp != p && *sp != c))
						break;
					if (*sp == c)
						continue; /* a leaf shared with a newer snapshot */
					*sp = c;
					if (c)
						c->refs++;
					dropped++;
					if (dropped == had)
						break;
				}
				if (c)
					saved -= (int64_t)(page_size(c) + sizeof(void *));
				if (dropped == had) {
					saved += (int64_t)PAGE_COST;
					page_free(p);
				} else {
					p->refs -= dropped;
				}
			}
		}
	}
	mem_tlb_flush(cur);
	return saved;
}

typedef struct pset {
	const void **t;
	size_t cap, n;
} pset;

static size_t pset_slot(const pset *s, const void *p)
{
	size_t h = ((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ull;
	h &= s->cap - 1;
	while (s->t[h] && s->t[h] != p)
		h = (h + 1) & (s->cap - 1);
	return h;
}

/* add p; true if it was not there */
static bool pset_add(pset *s, const void *p)
{
	if (2 * (s->n + 1) > s->cap) {
		pset old = *s;
		s->cap = s->cap ? 2 * s->cap : 1024;
		s->t = xcalloc(s->cap, sizeof *s->t);
		s->n = 0;
		for (size_t i = 0; i < old.cap; i++)
			if (old.t[i])
				s->t[pset_slot(s, old.t[i])] = old.t[i], s->n++;
		free(old.t);
	}
	size_t h = pset_slot(s, p);
	if (s->t[h])
		return false;
	s->t[h] = p;
	s->n++;
	return true;
}

/* Add a leaf and, when it is new to the set, its pages; returns the bytes
 * that were new. */
static size_t add_leaf(pset *seen, const mem_leaf *l)
{
	if (!l || !pset_add(seen, l))
		return 0;
	size_t bytes = sizeof *l;
	for (unsigned k = 0; k < MEM_LEAF_PAGES; k++)
		if (real(l->p[k]) && pset_add(seen, l->p[k]))
			bytes += page_size(l->p[k]);
	return bytes;
}

size_t mem_extra_bytes(mem_space *const *snaps, size_t n, const mem_space *cur)
{
	pset seen = {0};
	size_t bytes = 0;
	for (size_t i = 0; i < cur->n; i++)
		for (size_t k = 0; k < map_nleaves(&cur->maps[i]); k++)
			add_leaf(&seen, cur->maps[i].dir[k]);
	for (size_t s = 0; s < n; s++) {
		const mem_space *m = snaps[s];
		bytes += sizeof *m + m->cap * sizeof *m->maps;
		for (size_t i = 0; i < m->n; i++) {
			const mem_map *mp = &m->maps[i];
			bytes += mp->cap * sizeof *mp->dir;
			for (size_t k = 0; k < map_nleaves(mp); k++)
				bytes += add_leaf(&seen, mp->dir[k]);
		}
	}
	free(seen.t);
	return bytes;
}

size_t mem_page_count(const mem_space *m)
{
	size_t c = 0;
	for (size_t i = 0; i < m->n; i++) {
		const mem_map *mp = &m->maps[i];
		size_t np = map_npages(mp);
		for (size_t k = 0; k < np; k++)
			if (real(slot_get(mp, k)))
				c++;
	}
	return c;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

/* Runs of pages that read as one byte value (256 = punched out), so a
 * digest costs one step per leaf of uniform memory. */
typedef struct page_run {
	uint64_t h, start, len;
	int byte;
} page_run;

static void run_flush(page_run *r)
{
	if (r->len)
		r->h = mix(mix(mix(r->h, r->start), r->len), (uint64_t)r->byte);
	r->len = 0;
}

static void run_add(page_run *r, int byte, uint64_t idx, uint64_t n)
{
	if (r->len && r->byte == byte && r->start + r->len == idx) {
		r->len += n;
		return;
	}
	run_flush(r);
	r->byte = byte;
	r->start = idx;
	r->len = n;
}

/* The byte a page reads as everywhere, 256 for a hole, or -1. */
static int page_byte(const mem_page *p)
{
	if (p == HOLE)
		return 256;
	if (!p)
		return 0;
	int u = uniform_byte(p);
	if (u >= 0)
		return u;
	uint8_t buf[MEM_PAGE];
	const uint8_t *b = page_data(p, buf);
	return memcmp(b, b + 1, MEM_PAGE - 1) ? -1 : b[0];
}

uint64_t mem_digest(const mem_space *m)
{
	page_run r = {.h = 0x1234567};
	for (size_t i = 0; i < m->n; i++) {
		const mem_map *mp = &m->maps[i];
		run_flush(&r);
		r.h = mix(mix(mix(r.h, mp->start), mp->end), (uint64_t)mp->prot << 8 | mp->kind);
		size_t np = map_npages(mp), nl = map_nleaves(mp);
		for (size_t li = 0; li < nl; li++) {
			const mem_leaf *l = mp->dir[li];
			uint64_t base = (uint64_t)li << LEAF_SHIFT;
			if (!l) {
				/* a stretch of never-written leaves is one run of zeros */
				size_t lj = li;
				while (lj + 1 < nl && !mp->dir[lj + 1])
					lj++;
				uint64_t end = ((uint64_t)lj + 1) << LEAF_SHIFT;
				run_add(&r, 0, base, (end < np ? end : np) - base);
				li = lj;
				continue;
			}
			size_t here = np - base < MEM_LEAF_PAGES ? np - base : MEM_LEAF_PAGES;
			int lb = page_byte(l->p[0]);
			if (lb >= 0 && lb < 256 && fill_leaves[lb] == l) {
				run_add(&r, lb, base, here);
				continue;
			}
			for (unsigned k = 0; k < here; k++) {
				int pb = page_byte(l->p[k]);
				if (pb >= 0) {
					run_add(&r, pb, base + k, 1);
					continue;
				}
				run_flush(&r);
				r.h = mix(r.h, base + k);
				uint8_t buf[MEM_PAGE];
				const uint8_t *b = page_data(l->p[k], buf);
				for (unsigned w = 0; w < MEM_PAGE; w += 8) {
					uint64_t v;
					memcpy(&v, b + w, 8);
					r.h = mix(r.h, v);
				}
			}
		}
	}
	run_flush(&r);
	return r.h;
}

size_t mem_dirty_pages(const mem_space *old, const mem_space *cur, uint64_t lo, uint64_t hi, uint64_t *out,
		       size_t max)
{
	size_t n = 0;
	lo &= ~(uint64_t)(MEM_PAGE - 1);
	for (uint64_t p = lo; p < hi;) {
		size_t i = find_index(cur, p), j = find_index(old, p);
		const mem_map *c = i < cur->n && cur->maps[i].start <= p ? &cur->maps[i] : NULL;
		const mem_map *o = j < old->n && old->maps[j].start <= p ? &old->maps[j] : NULL;
		if (!c) {
			p = i < cur->n ? cur->maps[i].start : hi; /* nothing mapped here now: nothing to read */
			continue;
		}
		uint64_t end = c->end < hi ? c->end : hi;
		if (o && o->end < end)
			end = o->end;
		for (; p < end; p += MEM_PAGE) {
			size_t kc = (size_t)((p - c->start) / MEM_PAGE);
			bool same = false;
			if (o && o->start - c->start == 0) {
				/* the same leaf is the same 512 pages: skip them at once */
				mem_leaf *lc = c->dir[kc >> LEAF_SHIFT], *lo_ = o->dir[kc >> LEAF_SHIFT];
				if (lc == lo_ && !(kc & LEAF_MASK) && p + MEM_LEAF_PAGES * (uint64_t)MEM_PAGE <= end) {
					p += (MEM_LEAF_PAGES - 1) * (uint64_t)MEM_PAGE;
					continue;
				}
				same = slot_get(c, kc) == slot_get(o, kc);
			} else if (o) {
				size_t ko = (size_t)((p - o->start) / MEM_PAGE);
				same = slot_get(c, kc) == slot_get(o, ko);
			}
			if (!same) {
				if (n == max)
					return max + 1;
				out[n++] = p;
			}
		}
		if (!o)
			continue;
	}
	return n;
}
