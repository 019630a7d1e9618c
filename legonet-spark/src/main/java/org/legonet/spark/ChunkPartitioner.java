package org.legonet.spark;

import java.util.Arrays;
import org.apache.spark.Partitioner;

/**
 * One partition per chunk of a new model directory: a range partitioning of the ids on the exact
 * chunk boundaries (the first id of each chunk in storage order), so that partition c holds exactly
 * chunk c's samples, whatever partition they came from. The boundaries are fixed by the data alone
 * (no round-robin repartitioning, SPARK-23207).
 */
final class ChunkPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final long[] firstIds;

    /** @param firstIds the first id of each chunk, ascending */
    ChunkPartitioner(long[] firstIds) {
        for (int c = 1; c < firstIds.length; c++) {
            if (firstIds[c] <= firstIds[c - 1]) {
                throw new IllegalArgumentException("chunk boundaries must ascend: " + firstIds[c - 1] + ", " + firstIds[c]);
            }
        }
        this.firstIds = firstIds.clone();
    }

    @Override
    public int numPartitions() {
        return firstIds.length;
    }

    /** The chunk of an id: the last chunk whose first id is not greater. */
    @Override
    public int getPartition(Object key) {
        int at = Arrays.binarySearch(firstIds, (Long) key);
        int c = at >= 0 ? at : -at - 2;
        if (c < 0) {
            throw new IllegalArgumentException("id " + key + " precedes the first chunk");
        }
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChunkPartitioner && Arrays.equals(((ChunkPartitioner) o).firstIds, firstIds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(firstIds);
    }
}
