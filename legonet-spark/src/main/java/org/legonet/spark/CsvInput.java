package org.legonet.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.legonet.core.DataSource;
import org.legonet.core.data.CsvOptions;
import org.legonet.core.data.CsvReader;
import org.legonet.core.data.Dataset;
import org.legonet.core.data.Splits;
import scala.Tuple2;

/**
 * A CSV file for {@link SparkData}, read by the executors line by line with core's rules
 * ({@link CsvReader.Lines}): the driver reads the first record (header or first data row) and
 * resolves the columns; Spark numbers the file's lines and then its data rows with
 * {@code zipWithIndex} (deterministic on a file input, unlike a round-robin repartition,
 * SPARK-23207), so the ids (row numbers without an id column), the first-N public rule and the
 * limit are exactly the in-process ones. Before the data is handed on, one pass checks every line
 * and, with an id column, that no id repeats, so bad input fails at read time as in process.
 */
final class CsvInput implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String uri;
    private final String labelColumn;
    private final String idColumn;
    private final char delimiter;
    private final String[] firstRecord;
    private final long firstLine;

    private CsvInput(String uri, CsvOptions csv, CsvReader.Lines lines) {
        this.uri = uri;
        this.labelColumn = csv.labelColumn();
        this.idColumn = csv.idColumn();
        this.delimiter = csv.delimiter();
        this.firstRecord = lines.firstRecord();
        this.firstLine = lines.firstLine();
    }

    /** Core's line parser, rebuilt in this JVM. */
    private CsvReader.Lines lines() {
        return CsvReader.Lines.of(uri, new CsvOptions(labelColumn, idColumn, delimiter), firstRecord, firstLine);
    }

    static SparkData.Input read(JavaSparkContext sc, String uri, String name, CsvOptions csv, CsvReader.Lines lines,
                                SparkData.Options o) {
        CsvInput input = new CsvInput(uri, csv, lines);
        boolean idColumn = lines.hasIdColumn();
        JavaRDD<String> text = sc.textFile(uri, o.partitions());
        // (line number, sample with the id column's value or -1), then the 0-based data row number
        JavaPairRDD<Tuple2<Long, Sample>, Long> rows = SparkTrainer.job("reading " + uri, () -> text.zipWithIndex()
                .mapPartitions(input::parse).zipWithIndex());
        long total = SparkTrainer.job("reading " + uri, rows::count);
        if (total == 0) {
            throw lines.noDataRows();
        }
        if (idColumn) {
            List<Tuple2<Long, long[]>> repeated = SparkTrainer.job("checking the ids of " + uri, () -> rows
                    .mapToPair(t -> new Tuple2<>(t._1()._2().id(), new long[] {t._1()._1(), Long.MAX_VALUE}))
                    .reduceByKey(CsvInput::twoFirst)
                    .filter(t -> t._2()[1] != Long.MAX_VALUE)
                    .takeOrdered(1, new BySecondLine()));
            if (!repeated.isEmpty()) {
                Tuple2<Long, long[]> d = repeated.get(0);
                throw lines.duplicateId(d._1(), d._2()[1], d._2()[0]);
            }
        }
        long kept = o.limit() != null ? Math.min(o.limit(), total) : total;
        int pub = o.publicSize() != null ? o.publicSize() : Splits.defaultPublicSize(kept, false);
        SparkData.checkPublicSize(pub, kept);
        JavaPairRDD<Long, Sample> samples = rows.filter(t -> t._2() < kept)
                .mapToPair(t -> new Tuple2<>(t._2(), idColumn ? t._1()._2()
                        : new Sample(t._2(), t._1()._2().label(), t._1()._2().features())));
        List<Tuple2<Long, Sample>> head = SparkTrainer.job("reading " + uri, () -> samples
                .filter(t -> t._1() < pub).collect());
        List<Tuple2<Long, Sample>> ordered = new ArrayList<>(head);
        ordered.sort(Comparator.comparingLong(Tuple2::_1));
        int dim = lines.featureCount();
        long[] ids = new long[pub];
        int[] labels = new int[pub];
        float[] x = new float[pub * dim];
        for (int r = 0; r < pub; r++) {
            Sample s = ordered.get(r)._2();
            ids[r] = s.id();
            labels[r] = s.label();
            System.arraycopy(s.features(), 0, x, r * dim, dim);
        }
        Dataset publicSplit = new Dataset(name + " (public)", ids, labels, x, new int[] {dim});
        JavaRDD<Sample> privateSamples = samples.filter(t -> t._1() >= pub).values();
        String description = "CSV file " + uri + ": " + kept + " training samples of shape " + dim + ", no test set";
        DataSource source = new DataSource(description, uri, SparkData.spec(uri, o, pub),
                (int) Math.min(Integer.MAX_VALUE, kept));
        return new SparkData.Input(publicSplit, privateSamples, source, dim, new int[] {dim}, kept - pub);
    }

    /** The data rows of a partition of (line, 0-based line index), with their 1-based line numbers. */
    private Iterator<Tuple2<Long, Sample>> parse(Iterator<Tuple2<String, Long>> numbered) {
        CsvReader.Lines lines = lines();
        return new Iterator<>() {
            private Tuple2<Long, Sample> next;

            @Override
            public boolean hasNext() {
                while (next == null && numbered.hasNext()) {
                    Tuple2<String, Long> t = numbered.next();
                    long line = t._2() + 1;
                    CsvReader.Lines.Row row = lines.parse(t._1(), line);
                    if (row != null) {
                        next = new Tuple2<>(line, new Sample(row.id(), row.label(), row.features()));
                    }
                }
                return next != null;
            }

            @Override
            public Tuple2<Long, Sample> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Tuple2<Long, Sample> t = next;
                next = null;
                return t;
            }
        };
    }

    /** The two smallest line numbers of {@code a} and {@code b} (each two smallest, ascending). */
    private static long[] twoFirst(long[] a, long[] b) {
        long[] all = {a[0], a[1], b[0], b[1]};
        Arrays.sort(all);
        return new long[] {all[0], all[1]};
    }

    /** Orders repeated ids by the line of their second occurrence: the first duplicate in file order. */
    private static final class BySecondLine implements Comparator<Tuple2<Long, long[]>>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public int compare(Tuple2<Long, long[]> a, Tuple2<Long, long[]> b) {
            return Long.compare(a._2()[1], b._2()[1]);
        }
    }
}
