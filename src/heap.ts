/**
 * The server's heap sizing (imported first by server.ts). V8 sizes its heap for the
 * machine, not for a request-serving process whose live data stays small (about 35 MB
 * after a full GC under load): on the 2-core bench machine it let the old generation grow
 * to 4x its live size between collections and the young generation to 128 MB, so the
 * resident set reached 430-490 MB (bench/README.md). Here the old generation grows by
 * half its live size; the young generation is capped by `--max-semi-space-size=8`, which
 * V8 reads only at startup (the Dockerfile's command line; NODE_OPTIONS accepts it too).
 * The Dockerfile also fixes glibc's mmap threshold (MALLOC_MMAP_THRESHOLD_): otherwise the
 * threshold rises after the first argon2 hash (19 MB) and later hashes stay resident in
 * the threadpool's malloc arenas (idle RSS 197 -> 154 MB in the bench), and caps glibc's
 * malloc arenas at two (MALLOC_ARENA_MAX; peak RSS under load about 20 MB lower).
 * An unknown flag is ignored (a future V8 may rename it); an operator's own flag wins.
 */
import { setFlagsFromString } from 'node:v8';

const OLD_GENERATION_GROWTH = '--heap-growing-percent';

if (!process.execArgv.some((a) => a.startsWith(OLD_GENERATION_GROWTH))) setFlagsFromString(`${OLD_GENERATION_GROWTH}=50`);
