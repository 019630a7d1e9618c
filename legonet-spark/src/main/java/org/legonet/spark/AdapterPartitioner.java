package org.legonet.spark;

import org.apache.spark.Partitioner;

/**
 * One partition per adapter: the key is the adapter index, and so is the partition. A sample goes
 * to the partition of each adapter it activates, whatever partition it came from, so the tasks'
 * inputs are fixed by the data alone (no round-robin repartitioning, SPARK-23207).
 */
final class AdapterPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int adapters;

    AdapterPartitioner(int adapters) {
        this.adapters = adapters;
    }

    @Override
    public int numPartitions() {
        return adapters;
    }

    @Override
    public int getPartition(Object key) {
        return (Integer) key;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AdapterPartitioner && ((AdapterPartitioner) o).adapters == adapters;
    }

    @Override
    public int hashCode() {
        return adapters;
    }
}
