#!/usr/bin/env python3
"""Generate an LSM-like snapshot series for the benchmark.

snap1/                      snapshot 1, as a coordinated snapshot leaves it
  node1/000100.sst ...      N immutable SST files of incompressible random data
  node1/CURRENT             points at the MANIFEST
  node1/MANIFEST-000005     small mutable files of the store
  node1/OPTIONS-000007
  node1/LOG
  coordinator.bin           the coordinator's state, a loose file
snap2/                      snapshot 2, after a compaction
  node1/*.sst               hard links to snap1's SSTs, except CHURN % of them, which are
                            gone and replaced by as many new files with new (higher) numbers
  node1/CURRENT, MANIFEST-0000NN, OPTIONS-0000NN, LOG   new or changed small files
  coordinator.bin           changed

--shape names the store whose files the SSTs look like: sst (RocksDB/HyperLevelDB: NNNNNN.sst),
ldb (LevelDB >= 1.14: NNNNNN.ldb) or cassandra (each SSTable is 8 component files,
nb-GEN-big-{Data,Index,Filter,Summary,Statistics,CompressionInfo}.db, -Digest.crc32 and -TOC.txt:
Data holds ~90 % of the bytes, the other seven are mostly small; --files counts SSTables and a
compaction replaces whole SSTables).

Random data comes from a seeded generator, so two runs with the same arguments produce the
same bytes (os.urandom would be faster but not repeatable).
"""
import argparse
import json
import os
import random
import sys

SST_FIRST = 100      # LevelDB-style file numbers start above the MANIFEST's
SST_STEP = 3         # numbers are shared with logs and manifests, so they are not contiguous
BLOCK = 1 << 20


def write_random(path, size, rng):
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(BLOCK, left)
            f.write(rng.randbytes(n))
            left -= n


def write_text(path, text):
    with open(path, "w", encoding="ascii") as f:
        f.write(text)


def sst_name(number, ext="sst"):
    return "%06d.%s" % (number, ext)


CASSANDRA_TOC = "Data.db\nIndex.db\nFilter.db\nSummary.db\nStatistics.db\nCompressionInfo.db\nDigest.crc32\nTOC.txt\n"


def cassandra_sstable(node_dir, generation, size, rng):
    """The 8 files of one SSTable of about `size` bytes; returns the names written."""
    prefix = os.path.join(node_dir, "nb-%d-big-" % generation)
    index = max(1024, size // 12)
    filt = max(256, size // 100)
    summary = max(128, size // 1000)
    compression_info = 64 + 8 * (size // 65536 + 1)
    data = max(1, size - index - filt - summary - compression_info - 8192)
    parts = {"Data.db": data, "Index.db": index, "Filter.db": filt, "Summary.db": summary,
             "Statistics.db": 8192 + rng.randrange(2048), "CompressionInfo.db": compression_info}
    for component, n in parts.items():
        write_random(prefix + component, n, rng)
    write_text(prefix + "Digest.crc32", "%d" % rng.randrange(1 << 32))
    write_text(prefix + "TOC.txt", CASSANDRA_TOC)
    return [prefix + c for c in list(parts) + ["Digest.crc32", "TOC.txt"]]


def link_sstable(src_dir, dst_dir, generation):
    for component in CASSANDRA_TOC.split():
        name = "nb-%d-big-%s" % (generation, component)
        os.link(os.path.join(src_dir, name), os.path.join(dst_dir, name))


def small_files(node_dir, manifest_no, options_no, log_lines, rng):
    write_text(os.path.join(node_dir, "CURRENT"), "MANIFEST-%06d\n" % manifest_no)
    write_random(os.path.join(node_dir, "MANIFEST-%06d" % manifest_no), 64 * 1024 + rng.randrange(4096), rng)
    write_text(os.path.join(node_dir, "OPTIONS-%06d" % options_no),
               "[Version]\n  rocksdb_version=8.10.0\n[DBOptions]\n  max_open_files=-1\n"
               "[CFOptions \"default\"]\n  write_buffer_size=67108864\n  target_file_size_base=%d\n"
               % (4 << 20))
    write_text(os.path.join(node_dir, "LOG"),
               "".join("2024/01/01-00:00:%02d.000000 7f00 [db/compaction] event %d\n" % (i % 60, i)
                       for i in range(log_lines)))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="directory to create snap1/ and snap2/ in")
    p.add_argument("--size-mib", type=int, default=1024, help="total size of snapshot 1's SSTs")
    p.add_argument("--files", type=int, default=256, help="number of SST files in snapshot 1")
    p.add_argument("--churn", type=float, default=10.0, help="percent of SSTs replaced in snapshot 2")
    p.add_argument("--seed", type=int, default=20240101)
    p.add_argument("--shape", choices=["sst", "ldb", "cassandra"], default="sst")
    a = p.parse_args()
    if a.files < 1 or a.size_mib < 1 or not 0 <= a.churn <= 100:
        sys.exit("gen_snapshots: need --files >= 1, --size-mib >= 1, 0 <= --churn <= 100")

    rng = random.Random(a.seed)
    total = a.size_mib << 20
    sizes = [total // a.files + (1 if i < total % a.files else 0) for i in range(a.files)]

    s1 = os.path.join(a.out, "snap1", "node1")
    s2 = os.path.join(a.out, "snap2", "node1")
    os.makedirs(s1)
    os.makedirs(s2)

    if a.shape == "cassandra":
        return cassandra(a, rng, sizes, s1, s2, total)
    ext = a.shape
    numbers = [SST_FIRST + SST_STEP * i for i in range(a.files)]
    for number, size in zip(numbers, sizes):
        write_random(os.path.join(s1, sst_name(number, ext)), size, rng)
    small_files(s1, 5, 7, 2000, rng)
    write_random(os.path.join(a.out, "snap1", "coordinator.bin"), 16 * 1024, rng)

    # Snapshot 2: a compaction replaced `churned` inputs by as many outputs with new numbers.
    churned = round(a.files * a.churn / 100.0)
    replaced = set(rng.sample(range(a.files), churned))
    next_number = numbers[-1] + SST_STEP
    new_bytes = 0
    for i, (number, size) in enumerate(zip(numbers, sizes)):
        if i in replaced:
            continue
        os.link(os.path.join(s1, sst_name(number, ext)), os.path.join(s2, sst_name(number, ext)))
    for i in sorted(replaced):
        write_random(os.path.join(s2, sst_name(next_number, ext)), sizes[i], rng)
        new_bytes += sizes[i]
        next_number += SST_STEP
    manifest_no = next_number
    small_files(s2, manifest_no, manifest_no + 2, 2300, rng)
    write_random(os.path.join(a.out, "snap2", "coordinator.bin"), 16 * 1024, rng)

    print(json.dumps({"shape": a.shape, "sst_files": a.files, "sst_bytes": total, "churned_files": churned,
                      "churned_bytes": new_bytes, "seed": a.seed}))


def cassandra(a, rng, sizes, s1, s2, total):
    """Snapshot 1: one SSTable (8 files) per size; snapshot 2: CHURN % of them compacted into new ones."""
    generations = list(range(1, a.files + 1))
    files = 0
    for generation, size in zip(generations, sizes):
        files += len(cassandra_sstable(s1, generation, size, rng))
    write_random(os.path.join(a.out, "snap1", "coordinator.bin"), 16 * 1024, rng)
    churned = round(a.files * a.churn / 100.0)
    replaced = set(rng.sample(range(a.files), churned))
    next_generation = generations[-1] + 1
    new_bytes = 0
    for i, generation in enumerate(generations):
        if i not in replaced:
            link_sstable(s1, s2, generation)
    for i in sorted(replaced):
        cassandra_sstable(s2, next_generation, sizes[i], rng)
        new_bytes += sizes[i]
        next_generation += 1
    write_random(os.path.join(a.out, "snap2", "coordinator.bin"), 16 * 1024, rng)
    print(json.dumps({"shape": a.shape, "sst_files": files, "sstables": a.files, "sst_bytes": total,
                      "churned_files": churned * 8, "churned_bytes": new_bytes, "seed": a.seed}))


if __name__ == "__main__":
    main()
