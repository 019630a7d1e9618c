package org.legonet.spark;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;
import org.legonet.core.data.DataException;
import org.legonet.core.data.Dataset;
import org.legonet.core.data.IdxReader;
import org.legonet.core.data.NpyReader;

/**
 * The rows of an uncompressed {@code .npy} or IDX features file, each range of rows read by the
 * task that needs it: the driver parses the header (core's {@code layout}), each task seeks to its
 * byte range through Hadoop's file system and decodes it with core's {@code rows} (the same checks
 * and messages as a whole-file read). Ids are row numbers, as in process.
 */
final class RowRanges implements Serializable {
    private static final long serialVersionUID = 1L;
    /** The most bytes one task reads (and holds twice, raw and decoded). */
    static final long MAX_RANGE_BYTES = 64L << 20;

    /** A range of rows and their labels. */
    record Range(long firstRow, int rows, int[] labels) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    private final String uri;
    private final boolean npy;
    private final String descr;
    private final int type;
    private final int[] shape;
    private final long dataOffset;

    /** The ranges of a {@code .npy} file. */
    RowRanges(NpyReader.Layout layout) {
        this(layout.source(), true, layout.descr(), 0, layout.shape(), layout.dataOffset());
    }

    /** The ranges of an IDX file. */
    RowRanges(IdxReader.Layout layout) {
        this(layout.source(), false, null, layout.type(), layout.dims(), layout.dataOffset());
    }

    private RowRanges(String uri, boolean npy, String descr, int type, int[] shape, long dataOffset) {
        this.uri = uri;
        this.npy = npy;
        this.descr = descr;
        this.type = type;
        this.shape = shape.clone();
        this.dataOffset = dataOffset;
    }

    int rows() {
        return shape[0];
    }

    int[] sampleShape() {
        return shape.length == 1 ? new int[] {1} : Arrays.copyOfRange(shape, 1, shape.length);
    }

    private long rowBytes() {
        return npy ? new NpyReader.Layout(uri, descr, shape, dataOffset).rowBytes()
                : new IdxReader.Layout(uri, type, shape, dataOffset).rowBytes();
    }

    /** Rows {@code [0, rows)} read on the driver, as a dataset named {@code name}. */
    Dataset head(Configuration conf, int rows, int[] labels, String name) {
        float[] x = read(conf, 0, rows);
        return Dataset.withRowIds(name, Arrays.copyOf(labels, rows), x, sampleShape());
    }

    /**
     * Rows {@code [from, to)} as samples in {@code partitions} or more ranges (more when a range
     * would exceed {@link #MAX_RANGE_BYTES}), each range one partition, in row order.
     */
    JavaRDD<Sample> samples(JavaSparkContext sc, int from, int to, int[] labels, int partitions) {
        long rowBytes = rowBytes();
        long rows = to - from;
        long maxRows = Math.max(1, MAX_RANGE_BYTES / rowBytes);
        int count = (int) Math.max(Math.min(partitions, rows), (rows + maxRows - 1) / maxRows);
        List<Range> ranges = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int a = (int) (from + rows * i / count);
            int b = (int) (from + rows * (i + 1) / count);
            ranges.add(new Range(a, b - a, Arrays.copyOfRange(labels, a, b)));
        }
        Broadcast<SerializableConfiguration> conf = sc.broadcast(new SerializableConfiguration(sc.hadoopConfiguration()));
        return sc.parallelize(ranges, count).flatMap(r -> samples(conf.value().value(), r));
    }

    private Iterator<Sample> samples(Configuration conf, Range range) {
        float[] x = read(conf, range.firstRow(), range.rows());
        int dim = x.length / range.rows();
        List<Sample> out = new ArrayList<>(range.rows());
        for (int i = 0; i < range.rows(); i++) {
            out.add(new Sample(range.firstRow() + i, range.labels()[i], Arrays.copyOfRange(x, i * dim, (i + 1) * dim)));
        }
        return out.iterator();
    }

    /** Reads and decodes {@code rows} rows from {@code firstRow} with core's checks. */
    private float[] read(Configuration conf, long firstRow, int rows) {
        long rowBytes = rowBytes();
        byte[] bytes = new byte[Math.toIntExact(rows * rowBytes)];
        Path path = new Path(uri);
        try (FSDataInputStream in = path.getFileSystem(conf).open(path)) {
            in.readFully(dataOffset + firstRow * rowBytes, bytes);
        } catch (IOException e) {
            throw new DataException((uri + ": cannot read rows " + firstRow + " to " + (firstRow + rows - 1) + " ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")")
                    .replaceAll("\\R", " "), e);
        }
        return npy ? NpyReader.rows(new NpyReader.Layout(uri, descr, shape, dataOffset), firstRow, bytes)
                : IdxReader.rows(new IdxReader.Layout(uri, type, shape, dataOffset), firstRow, bytes);
    }
}
