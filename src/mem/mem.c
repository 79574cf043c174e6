/*
 * mem.c - simulated address space: sorted mappings of copy-on-write pages.
 *
 * A page slot holds NULL (reads as zero, never written), HOLE (punched out
 * by a partial munmap: any access faults) or a page with a reference count.
 * A page shared by more than one address space (refs > 1) is copied before
 * it is written, so clones taken for undo never see later writes.
 */
#include "heapscope/mem.h"

#include <stdlib.h>
#include <string.h>

struct mem_page {
	uint32_t refs;
	uint8_t b[MEM_PAGE];
};

#define HOLE ((mem_page *)1)

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

/* One shared, never-freed page per byte value: a page filled entirely with
 * that byte costs a pointer.  Writing to it copies it (it is always shared). */
static mem_page *fill_pool[256];

static mem_page *fill_page(int byte)
{
	mem_page *p = fill_pool[byte & 0xff];
	if (!p) {
		p = xmalloc(sizeof *p);
		memset(p->b, byte, MEM_PAGE);
		p->refs = 1; /* the pool's own reference */
		fill_pool[byte & 0xff] = p;
	}
	p->refs++;
	return p;
}

/* The byte a page is uniformly filled with, or -1 (NULL reads as 0). */
static int uniform_byte(const mem_page *p)
{
	if (!p)
		return 0;
	if (p != HOLE && fill_pool[p->b[0]] == p)
		return p->b[0];
	return -1;
}

static mem_page *page_new(void)
{
	mem_page *p = xmalloc(sizeof *p);
	p->refs = 1;
	return p;
}

/* Drop a reference held by space m (counts a detach when others keep it). */
static void page_release(mem_space *m, mem_page *p)
{
	if (p && p != HOLE && p->refs > 1)
		m->detached++;
}

static void page_drop(mem_page *p)
{
	if (p && p != HOLE && --p->refs == 0)
		free(p);
}

static size_t map_npages(const mem_map *mp)
{
	return (size_t)((mp->end - mp->start + MEM_PAGE - 1) / MEM_PAGE);
}

void mem_tlb_flush(mem_space *m)
{
	for (int i = 0; i < MEM_TLB; i++)
		m->tlb[i].tag = MEM_TLB_NONE;
}

mem_space *mem_new(void)
{
	mem_space *m = xmalloc(sizeof *m);
	memset(m, 0, sizeof *m);
	mem_tlb_flush(m);
	return m;
}

static void map_release(mem_map *mp)
{
	size_t np = map_npages(mp);
	for (size_t i = 0; i < np; i++)
		page_drop(mp->pages[i]);
	free(mp->pages);
	mp->pages = NULL;
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
	mem_tlb_flush((mem_space *)m);
	mem_space *c = mem_new();
	c->cap = c->n = m->n;
	c->maps = xmalloc(sizeof *c->maps * (c->cap ? c->cap : 1));
	for (size_t i = 0; i < m->n; i++) {
		const mem_map *s = &m->maps[i];
		mem_map *d = &c->maps[i];
		size_t np = map_npages(s);
		*d = *s;
		d->cap = np;
		d->pages = xmalloc(sizeof *d->pages * (np ? np : 1));
		for (size_t k = 0; k < np; k++) {
			mem_page *p = s->pages[k];
			if (p && p != HOLE)
				p->refs++;
			d->pages[k] = p;
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
	mem_tlb_flush(m);
	if (len == 0 || start + len < start)
		return false;
	size_t i = find_index(m, start);
	if (i < m->n && m->maps[i].start < start + len)
		return false;
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 16;
		m->maps = xrealloc(m->maps, sizeof *m->maps * m->cap);
	}
	memmove(&m->maps[i + 1], &m->maps[i], sizeof *m->maps * (m->n - i));
	m->n++;
	mem_map *mp = &m->maps[i];
	memset(mp, 0, sizeof *mp);
	mp->start = start;
	mp->end = start + len;
	mp->kind = (uint8_t)kind;
	mp->prot = (uint8_t)prot;
	strncpy(mp->name, name ? name : "", sizeof mp->name - 1);
	mp->cap = map_npages(mp);
	mp->pages = xmalloc(sizeof *mp->pages * mp->cap);
	memset(mp->pages, 0, sizeof *mp->pages * mp->cap);
	m->hot = 0;
	return true;
}

static void remove_at(mem_space *m, size_t i)
{
	mem_map *mp = &m->maps[i];
	for (size_t k = 0; k < map_npages(mp); k++)
		page_release(m, mp->pages[k]);
	map_release(mp);
	memmove(&m->maps[i], &m->maps[i + 1], sizeof *m->maps * (m->n - i - 1));
	m->n--;
	m->hot = 0;
}

void mem_unmap(mem_space *m, uint64_t start, uint64_t len)
{
	mem_tlb_flush(m);
	uint64_t end = start + len;
	size_t i = find_index(m, start);
	while (i < m->n && m->maps[i].start < end) {
		mem_map *mp = &m->maps[i];
		if (mp->start >= start && mp->end <= end) {
			remove_at(m, i);
			continue;
		}
		uint64_t a = start > mp->start ? start : mp->start;
		uint64_t b = end < mp->end ? end : mp->end;
		for (uint64_t p = (a - mp->start) / MEM_PAGE; p < (b - mp->start + MEM_PAGE - 1) / MEM_PAGE; p++) {
			page_release(m, mp->pages[p]);
			page_drop(mp->pages[p]);
			mp->pages[p] = HOLE;
		}
		i++;
	}
}

bool mem_resize(mem_space *m, uint64_t start, uint64_t newlen)
{
	mem_tlb_flush(m);
	size_t i = find_index(m, start);
	if (i >= m->n || m->maps[i].start != start)
		return false;
	mem_map *mp = &m->maps[i];
	if (i + 1 < m->n && start + newlen > m->maps[i + 1].start)
		return false;
	size_t oldnp = map_npages(mp);
	size_t newnp = (size_t)((newlen + MEM_PAGE - 1) / MEM_PAGE);
	for (size_t k = newnp; k < oldnp; k++) {
		page_release(m, mp->pages[k]);
		page_drop(mp->pages[k]);
		mp->pages[k] = NULL;
	}
	/* a page cut partially keeps its bytes; the kernel would too */
	if (newnp > mp->cap) {
		size_t nc = mp->cap ? mp->cap : 1;
		while (nc < newnp)
			nc *= 2;
		mp->pages = xrealloc(mp->pages, sizeof *mp->pages * nc);
		mp->cap = nc;
	}
	for (size_t k = oldnp; k < newnp; k++)
		mp->pages[k] = NULL;
	mp->end = start + newlen;
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

void mem_discard(mem_space *m, uint64_t start, uint64_t len)
{
	mem_tlb_flush(m);
	for (uint64_t a = start; a < start + len; a += MEM_PAGE) {
		mem_map *mp = lookup(m, a);
		if (!mp)
			continue;
		size_t k = (size_t)((a - mp->start) / MEM_PAGE);
		if (mp->pages[k] != HOLE) {
			page_release(m, mp->pages[k]);
			page_drop(mp->pages[k]);
			mp->pages[k] = NULL;
		}
	}
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

/* Return a writable pointer to byte addr, copying a shared page first. */
static uint8_t *wptr(mem_space *m, uint64_t addr)
{
	mem_map *mp = lookup(m, addr);
	if (!mp || !(mp->prot & MEM_W))
		return NULL;
	size_t k = (size_t)((addr - mp->start) / MEM_PAGE);
	mem_page *p = mp->pages[k];
	if (p == HOLE)
		return NULL;
	if (!p) {
		p = page_new();
		memset(p->b, 0, MEM_PAGE);
		mp->pages[k] = p;
	} else if (p->refs > 1) {
		mem_page *c = page_new();
		memcpy(c->b, p->b, MEM_PAGE);
		p->refs--;
		m->detached++;
		mp->pages[k] = c;
		p = c;
	}
	/* the page is now private and writable: cache it for both directions */
	mem_tlb *t = &m->tlb[(addr >> 12) & (MEM_TLB - 1)];
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
	mem_page *p = mp->pages[(addr - mp->start) / MEM_PAGE];
	if (p == HOLE) {
		*ok = false;
		return NULL;
	}
	*ok = true;
	mem_tlb *t = &m->tlb[(addr >> 12) & (MEM_TLB - 1)];
	t->tag = addr & ~(uint64_t)(MEM_PAGE - 1);
	t->data = (uint8_t *)(p ? p->b : zero);
	t->w = p && p->refs == 1 && (mp->prot & MEM_W);
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
	while (n > 0) {
		size_t chunk = MEM_PAGE - (size_t)(addr % MEM_PAGE);
		if (chunk > n)
			chunk = (size_t)n;
		if (!mp || addr - mp->start >= mp->end - mp->start)
			mp = lookup(m, addr);
		if (!mp || !(mp->prot & MEM_W) || mp->pages[(addr - mp->start) / MEM_PAGE] == HOLE) {
			m->fault = addr;
			return false;
		}
		size_t k = (size_t)((addr - mp->start) / MEM_PAGE);
		if (uniform_byte(mp->pages[k]) == byte) {
			/* already reads as this byte everywhere */
		} else if (chunk == MEM_PAGE) {
			/* a whole page: share the uniform page instead of writing */
			page_release(m, mp->pages[k]);
			page_drop(mp->pages[k]);
			mp->pages[k] = byte ? fill_page(byte) : NULL;
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
		if (!sp || !(sp->prot & MEM_R) || sp->pages[(src - sp->start) / MEM_PAGE] == HOLE) {
			m->fault = src;
			return false;
		}
		int u = uniform_byte(sp->pages[(src - sp->start) / MEM_PAGE]);
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
		mem_map *mp = lookup(m, addr);
		if (mp && (mp->prot & MEM_W)) {
			mem_page *p = mp->pages[(addr - mp->start) / MEM_PAGE];
			if (p && p != HOLE && p->refs == 1) {
				memcpy(&p->b[(addr - mp->start) % MEM_PAGE], &v, 8);
				return true;
			}
		}
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

size_t mem_private_bytes(const mem_space *m)
{
	size_t total = sizeof *m + m->cap * sizeof *m->maps;
	for (size_t i = 0; i < m->n; i++) {
		const mem_map *mp = &m->maps[i];
		size_t np = map_npages(mp);
		total += mp->cap * sizeof *mp->pages;
		for (size_t k = 0; k < np; k++)
			if (mp->pages[k] && mp->pages[k] != HOLE && mp->pages[k]->refs == 1)
				total += sizeof(mem_page);
	}
	return total;
}

uint64_t mem_take_detached(mem_space *m)
{
	uint64_t d = m->detached;
	m->detached = 0;
	return d;
}

typedef struct pset {
	const mem_page **t;
	size_t cap, n;
} pset;

static size_t pset_slot(const pset *s, const mem_page *p)
{
	size_t h = ((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ull;
	h &= s->cap - 1;
	while (s->t[h] && s->t[h] != p)
		h = (h + 1) & (s->cap - 1);
	return h;
}

/* add p; true if it was not there */
static bool pset_add(pset *s, const mem_page *p)
{
	if (2 * (s->n + 1) > s->cap) {
		pset old = *s;
		s->cap = s->cap ? 2 * s->cap : 1024;
		s->t = xmalloc(sizeof *s->t * s->cap);
		memset(s->t, 0, sizeof *s->t * s->cap);
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

size_t mem_extra_bytes(mem_space *const *snaps, size_t n, const mem_space *cur)
{
	pset seen = {0};
	size_t bytes = 0;
	for (size_t i = 0; i < cur->n; i++) {
		const mem_map *mp = &cur->maps[i];
		for (size_t k = 0; k < map_npages(mp); k++)
			if (mp->pages[k] && mp->pages[k] != HOLE)
				pset_add(&seen, mp->pages[k]);
	}
	for (size_t s = 0; s < n; s++) {
		const mem_space *m = snaps[s];
		bytes += sizeof *m + m->cap * sizeof *m->maps;
		for (size_t i = 0; i < m->n; i++) {
			const mem_map *mp = &m->maps[i];
			bytes += mp->cap * sizeof *mp->pages;
			for (size_t k = 0; k < map_npages(mp); k++)
				if (mp->pages[k] && mp->pages[k] != HOLE && pset_add(&seen, mp->pages[k]))
					bytes += sizeof(mem_page);
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
			if (mp->pages[k] && mp->pages[k] != HOLE)
				c++;
	}
	return c;
}
