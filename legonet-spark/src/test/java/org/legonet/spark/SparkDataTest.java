package org.legonet.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.Progress;
import org.legonet.core.data.CsvOptions;
import org.legonet.core.data.DataException;
import org.legonet.core.data.DataLoader;
import org.legonet.core.data.DataSpec;
import org.legonet.core.data.Dataset;
import org.legonet.core.data.FashionMnist;
import org.legonet.core.data.LoadedData;
import org.legonet.core.data.Splits;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.model.Trained;

/**
 * {@link SparkData} on local[2]: CSV, .npy and IDX data give exactly core's public and private
 * splits and the in-process model digest; Parquet's public split is the smallest ids; bad input is
 * a one-line error naming the file.
 */
class SparkDataTest {
    private static JavaSparkContext sc;
    private static SparkSession spark;
    /** Fixture's 1,200 blobs of dimension 8 (ids 1000 + 3 r). */
    private static final Dataset ALL = Fixture.ALL;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("legonet-spark-data-test")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1").set("spark.sql.shuffle.partitions", "4"));
        spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    // ---- CSV, .npy, IDX: exactly the in-process splits and model ----

    @Test
    void csvWithAnIdColumnAndALimitGivesTheInProcessSplitsAndModel() throws IOException {
        Path csv = dir.resolve("blobs.csv");
        Files.writeString(csv, csv(ALL));
        SparkData.Options options = new SparkData.Options(null, "label", "id", null, 1000, 3);
        SparkData.Input input = SparkData.read(sc, csv.toUri().toString(), options);

        Dataset train = DataLoader.load(new DataSpec(csv, null, null, null,
                CsvOptions.DEFAULTS.withLabelColumn("label").withIdColumn("id"))).train().slice(0, 1000, "limited");
        Splits expected = Splits.of(train, Splits.defaultPublicSize(train.size(), false));
        assertThat(input.publicSplit().size()).isEqualTo(166);
        assertSameSplits(input, expected);
        assertThat(input.source().spec()).containsEntry("id_column", "id").containsEntry("limit", 1000)
                .containsEntry("public", 166);
        assertThat(input.source().trainRows()).isEqualTo(1000);
    }

    @Test
    void csvWithABomBlankLinesQuotesAndCrlfGivesTheInProcessSplitsAndModel() throws IOException {
        String text = csv(ALL).replace("id,label,", "\uFEFFid,\"label\",").replace("\n", "\r\n");
        String[] lines = text.split("\r\n");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            sb.append(i == 7 ? " \"" + lines[i].replace(",", "\" , \"") + "\" " : lines[i]).append("\r\n");
            if (i % 100 == 0) {
                sb.append("\r\n \t \r\n");
            }
        }
        Path csv = dir.resolve("crlf.csv");
        Files.writeString(csv, sb.toString());
        SparkData.Input input = SparkData.read(sc, csv.toString(), new SparkData.Options(null, null, null, 300, null,
                3));

        Dataset train = DataLoader.load(DataSpec.of(csv)).train();
        assertThat(train.dim()).isEqualTo(9);
        assertThat(input.privateSamples().getNumPartitions()).isGreaterThanOrEqualTo(3);
        assertSameSplits(input, Splits.of(train, 300));
    }

    @Test
    void csvErrorsAreTheInProcessMessages() throws IOException {
        String header = "id,label,a,b\n";
        List<String> bad = List.of(
                header + "1,0,1,2\n2,1,3,4\n3,0,5,6\n2,1,7,8\n9,1,7,8\n1,1,0,0\n",
                header + "1,0,1,2\n2,1,3,4\n\n3,0,nan,6\n",
                header + "1,0,1,2\n2,1,3\n",
                header + "1,0,1,2\n2,-1,3,4\n",
                header + "1,0,1,\"2\n",
                header,
                "\n\n");
        for (int i = 0; i < bad.size(); i++) {
            Path csv = Files.writeString(dir.resolve("bad" + i + ".csv"), bad.get(i));
            CsvOptions options = CsvOptions.DEFAULTS.withIdColumn("id");
            String inProcess = catchMessage(() -> DataLoader.load(new DataSpec(csv, null, null, null, options)));
            assertThat(inProcess).as("case %d", i).startsWith(csv.toString());
            assertOneLine(() -> SparkData.read(sc, csv.toString(), new SparkData.Options(null, null, "id", 1, null, 2)),
                    inProcess);
        }
    }

    @Test
    void aGzipCompressedCsvIsReadWholeAndGivesTheSameSplits() throws IOException {
        Path csv = dir.resolve("packed.csv");
        Files.write(csv, gzip(csv(ALL).getBytes(StandardCharsets.UTF_8)));
        SparkData.Input input = SparkData.read(sc, csv.toString(), new SparkData.Options(null, null, "id", 300, null,
                2));
        Dataset train = DataLoader.load(new DataSpec(csv, null, null, null, CsvOptions.DEFAULTS.withIdColumn("id")))
                .train();
        assertSameSplits(input, Splits.of(train, 300));
    }

    private static String catchMessage(ThrowingCallable call) {
        Throwable t = catchThrowable(call);
        assertThat(t).isInstanceOf(DataException.class);
        return t.getMessage();
    }

    @Test
    void npyWithLabelsFoundBesideItGivesTheInProcessSplitsAndModel() throws IOException {
        Path x = dir.resolve("X_train.npy");
        Files.write(x, npyFloats(ALL));
        Files.write(dir.resolve("y_train.npy"), npyLongs(ALL.labels()));
        SparkData.Input input = SparkData.read(sc, x.toString(), SparkData.Options.defaults(4));

        LoadedData loaded = DataLoader.load(DataSpec.of(x));
        Splits expected = Splits.of(loaded.train(), Splits.defaultPublicSize(loaded));
        assertThat(input.privateSamples().getNumPartitions()).isEqualTo(4);
        assertSameSplits(input, expected);
        assertThat(input.source().spec()).containsEntry("data", x.toAbsolutePath().toString());
    }

    @Test
    void aGzipCompressedNpyIsReadWholeAndGivesTheSameSplits() throws IOException {
        Path x = dir.resolve("packed.npy");
        Files.write(x, gzip(npyFloats(ALL)));
        Path y = dir.resolve("labels.npy");
        Files.write(y, npyLongs(ALL.labels()));
        SparkData.Input input = SparkData.read(sc, x.toString(), new SparkData.Options(y.toString(), null, null, 300,
                null, 2));

        Dataset train = DataLoader.load(new DataSpec(x, y, null, null, null)).train();
        assertSameSplits(input, Splits.of(train, 300));
    }

    @Test
    void aNanInAPrivateNpyRowIsNamedWithItsRowWhenItsRangeIsRead() throws IOException {
        float[] x = new float[ALL.size() * ALL.dim()];
        for (int r = 0; r < ALL.size(); r++) {
            ALL.copyRow(r, x, r * ALL.dim());
        }
        x[1000 * ALL.dim() + 2] = Float.NaN;
        Path file = dir.resolve("nan.npy");
        Files.write(file, npyFloats(new Dataset("nan", ALL.ids(), ALL.labels(), x, ALL.sampleShape())));
        Files.write(dir.resolve("nan_labels.npy"), npyLongs(ALL.labels()));
        SparkData.Input input = SparkData.read(sc, file.toString(), SparkData.Options.defaults(3));
        assertOneLine(() -> new SparkTrainer(Fixture.CONFIG, 2, Progress.NONE)
                        .train(sc, input.publicSplit(), input.privateSamples()).close(),
                file.toString(), "row 1000 holds a non-finite value (NaN)");
    }

    @Test
    void aFashionMnistFolderGivesTheInProcessSplitsAndModel() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("fmnist"));
        Files.write(folder.resolve(FashionMnist.TRAIN_IMAGES), idxFloats(ALL, 2, 4));
        Files.write(folder.resolve(FashionMnist.TRAIN_LABELS + ".gz"), gzip(idxLabels(ALL.labels())));
        SparkData.Input input = SparkData.read(sc, "file:" + folder, new SparkData.Options(null, null, null, 250,
                null, 2));

        LoadedData loaded = DataLoader.load(DataSpec.of(folder));
        Splits expected = Splits.of(loaded.train(), 250);
        assertThat(input.sampleShape()).containsExactly(2, 4);
        assertSameSplits(input, expected);
    }

    /**
     * The public split equals core's bit for bit, the private samples are core's private split, and
     * training on Spark gives the model trained in process on core's splits.
     */
    private static void assertSameSplits(SparkData.Input input, Splits expected) {
        Dataset pub = input.publicSplit();
        assertThat(pub.ids()).containsExactly(expected.publicSplit().ids());
        assertThat(pub.labels()).containsExactly(expected.publicSplit().labels());
        assertThat(pub.fingerprint()).isEqualTo(expected.publicSplit().fingerprint());
        assertThat(input.featureDim()).isEqualTo(expected.privateSplit().dim());
        assertThat(input.sampleShape()).containsExactly(expected.privateSplit().sampleShape());
        assertThat(input.privateRows()).isEqualTo(expected.privateSplit().size());
        assertSamples(input.privateSamples().collect(), expected.privateSplit());

        String inProcess;
        try (Trained t = new LegoNetTrainer(Fixture.CONFIG, 2, Progress.NONE)
                .train(expected.publicSplit(), expected.privateSplit())) {
            inProcess = t.model().digest();
        }
        try (SparkModel m = new SparkTrainer(Fixture.CONFIG, 2, Progress.NONE)
                .train(sc, input.publicSplit(), input.privateSamples())) {
            assertThat(m.digest()).isEqualTo(inProcess);
        }
    }

    /** The samples are {@code expected}'s rows (any order): the same ids, labels and feature bits. */
    static void assertSamples(List<Sample> samples, Dataset expected) {
        List<Sample> sorted = new ArrayList<>(samples);
        sorted.sort(Comparator.comparingLong(Sample::id));
        Dataset byId = sortedById(expected);
        assertThat(sorted).hasSize(byId.size());
        float[] row = new float[byId.dim()];
        for (int r = 0; r < byId.size(); r++) {
            Sample s = sorted.get(r);
            byId.copyRow(r, row, 0);
            assertThat(s.id()).isEqualTo(byId.id(r));
            assertThat(s.label()).isEqualTo(byId.label(r));
            for (int d = 0; d < row.length; d++) {
                assertThat(Float.floatToRawIntBits(s.features()[d])).isEqualTo(Float.floatToRawIntBits(row[d]));
            }
        }
    }

    private static Dataset sortedById(Dataset d) {
        List<Integer> rows = new ArrayList<>();
        for (int r = 0; r < d.size(); r++) {
            rows.add(r);
        }
        rows.sort(Comparator.comparingLong(d::id));
        return d.select(rows.stream().mapToInt(Integer::intValue).toArray(), d.name());
    }

    // ---- Parquet ----

    @Test
    void parquetPublicSplitIsTheSmallestIdsAndTrainsTheInProcessModel() {
        String uri = writeParquet(ALL, DataTypes.DoubleType, "blobs.parquet");
        SparkData.Input input = SparkData.read(sc, uri, new SparkData.Options(null, null, null, 300, null, 3));

        assertThat(input.publicSplit().ids()).containsExactly(Fixture.PUBLIC.ids());
        assertThat(input.publicSplit().fingerprint()).isEqualTo(Fixture.PUBLIC.fingerprint());
        assertThat(input.privateRows()).isEqualTo(900);
        assertThat(input.privateSamples().getNumPartitions()).isEqualTo(3);
        assertSamples(input.privateSamples().collect(), Fixture.PRIVATE);
        try (SparkModel m = new SparkTrainer(Fixture.CONFIG, 2, Progress.NONE)
                .train(sc, input.publicSplit(), input.privateSamples())) {
            assertThat(m.adapterDigests()).isEqualTo(Fixture.IN_PROCESS.adapterDigests());
            assertThat(m.digest()).isEqualTo(Fixture.IN_PROCESS.digest());
        }
    }

    @Test
    void parquetLimitAndDefaultPublicSizeFollowTheIds() {
        String uri = writeParquet(ALL, DataTypes.FloatType, "floats");
        SparkData.Input input = SparkData.read(sc, uri, new SparkData.Options(null, null, null, null, 600, 2));

        Dataset first600 = ALL.slice(0, 600, "first");
        assertThat(input.publicSplit().ids()).containsExactly(first600.slice(0, 100, "p").ids());
        assertThat(input.privateRows()).isEqualTo(500);
        assertSamples(input.privateSamples().collect(), first600.slice(100, 600, "rest"));
        assertThat(input.source().spec()).containsEntry("public", 100).containsEntry("limit", 600);
    }

    @Test
    void parquetVectorsDenseAndSparseReadAsTheirValues() {
        Dataset small = ALL.slice(0, 60, "small");
        StructType schema = new StructType().add("id", DataTypes.LongType).add("label", DataTypes.IntegerType)
                .add("features", ParquetInput.VECTOR);
        List<Row> rows = new ArrayList<>();
        float[] x = new float[small.dim()];
        for (int r = 0; r < small.size(); r++) {
            small.copyRow(r, x, 0);
            List<Double> values = new ArrayList<>();
            List<Integer> indices = new ArrayList<>();
            for (int d = 0; d < x.length; d++) {
                if (r % 2 == 0 || d % 3 != 0) {
                    values.add((double) x[d]);
                    indices.add(d);
                } else {
                    x[d] = 0;
                }
            }
            Row vector = r % 2 == 0 ? RowFactory.create((byte) 1, null, null, values.toArray())
                    : RowFactory.create((byte) 0, x.length, indices.toArray(), values.toArray());
            rows.add(RowFactory.create(small.id(r), small.label(r), vector));
        }
        String uri = dir.resolve("vectors").toUri().toString();
        spark.createDataFrame(rows, schema).write().parquet(uri);

        SparkData.Input input = SparkData.read(sc, uri, new SparkData.Options(null, null, null, 10, null, 2));
        List<Sample> samples = new ArrayList<>(input.privateSamples().collect());
        samples.sort(Comparator.comparingLong(Sample::id));
        assertThat(samples).hasSize(50);
        small.copyRow(11, x, 0);
        assertThat(samples.get(1).id()).isEqualTo(small.id(11));
        assertThat(samples.get(1).features()).containsExactly(0f, x[1], x[2], 0f, x[4], x[5], 0f, x[7]);
        small.copyRow(10, x, 0);
        assertThat(samples.get(0).features()).containsExactly(x);
    }

    // ---- bad input: one line naming the file and the problem ----

    @Test
    void aMissingFileIsNamed() {
        String missing = dir.resolve("nothing.csv").toString();
        assertOneLine(() -> SparkData.read(sc, missing, SparkData.Options.defaults(2)),
                missing, "no such file or directory");
    }

    @Test
    void aParquetColumnOfTheWrongTypeIsNamed() {
        StructType schema = new StructType().add("id", DataTypes.LongType).add("label", DataTypes.StringType)
                .add("features", DataTypes.createArrayType(DataTypes.FloatType));
        String uri = dir.resolve("text-labels").toUri().toString();
        spark.createDataFrame(List.of(RowFactory.create(1L, "a", new Float[] {1f})), schema).write().parquet(uri);
        assertOneLine(() -> SparkData.read(sc, uri, SparkData.Options.defaults(2)),
                uri, "column 'label' is string, expected int");
    }

    @Test
    void aNanFeatureInParquetIsNamedWithItsId() {
        Dataset data = ALL.slice(0, 120, "nan");
        float[] x = new float[data.size() * data.dim()];
        for (int r = 0; r < data.size(); r++) {
            data.copyRow(r, x, r * data.dim());
        }
        x[100 * data.dim() + 3] = Float.NaN;
        Dataset bad = new Dataset("bad", data.ids(), data.labels(), x, data.sampleShape());
        String uri = writeParquet(bad, DataTypes.FloatType, "nan");
        SparkData.Input input = SparkData.read(sc, uri, new SparkData.Options(null, null, null, 20, null, 2));
        assertOneLine(() -> new SparkTrainer(Fixture.CONFIG, 2, Progress.NONE)
                        .train(sc, input.publicSplit(), input.privateSamples()).close(),
                uri, "id " + data.id(100) + ": feature 3 is not finite (NaN)");
    }

    @Test
    void aNanFeatureInCsvIsNamedWithItsLine() throws IOException {
        Path csv = dir.resolve("nan.csv");
        Files.writeString(csv, "label,a,b\n1,2,3\n0,NaN,1\n");
        assertOneLine(() -> SparkData.read(sc, csv.toString(), SparkData.Options.defaults(2)),
                csv.toString(), "line 3", "'NaN' is not a finite number");
    }

    @Test
    void aLabelsFileOfTheWrongLengthIsNamed() throws IOException {
        Path x = dir.resolve("data.npy");
        Files.write(x, npyFloats(ALL));
        Path y = dir.resolve("short.npy");
        Files.write(y, npyLongs(ALL.slice(0, 1199, "short").labels()));
        assertOneLine(() -> SparkData.read(sc, x.toString(), new SparkData.Options(y.toString(), null, null, null,
                        null, 2)),
                "label/feature count mismatch", x.toString(), "1200 rows", y.toString(), "1199 labels");
    }

    @Test
    void aLabelsFileForCsvAndAnUnknownKindAreRefused() throws IOException {
        Path csv = dir.resolve("t.csv");
        Files.writeString(csv, "label,a\n1,2\n0,1\n");
        assertOneLine(() -> SparkData.read(sc, csv.toString(), new SparkData.Options("y.npy", null, null, null, null,
                1)), "y.npy", "applies only to .npy data");
        Path txt = Files.writeString(dir.resolve("t.txt"), "1,2");
        assertOneLine(() -> SparkData.read(sc, txt.toString(), SparkData.Options.defaults(1)),
                txt.toString(), "unsupported kind of data file");
    }

    private static void assertOneLine(ThrowingCallable call, String... parts) {
        assertThatThrownBy(call).isInstanceOf(DataException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").contains(parts));
    }

    // ---- writing test data ----

    /** {@code data} as Parquet (id long, label int, features array of {@code element}), rows shuffled. */
    private String writeParquet(Dataset data, DataType element, String name) {
        return writeParquet(spark, dir, data, element, name);
    }

    static String writeParquet(SparkSession spark, Path dir, Dataset data, DataType element, String name) {
        StructType schema = new StructType().add("id", DataTypes.LongType).add("label", DataTypes.IntegerType)
                .add("features", DataTypes.createArrayType(element));
        List<Row> rows = new ArrayList<>();
        float[] x = new float[data.dim()];
        for (int r = 0; r < data.size(); r++) {
            data.copyRow(r, x, 0);
            Object[] values = new Object[x.length];
            for (int d = 0; d < x.length; d++) {
                values[d] = element.equals(DataTypes.DoubleType) ? (Object) (double) x[d] : (Object) x[d];
            }
            rows.add(RowFactory.create(data.id(r), data.label(r), values));
        }
        Collections.shuffle(rows, new Random(5));
        String uri = dir.resolve(name).toUri().toString();
        spark.createDataFrame(rows, schema).write().parquet(uri);
        return uri;
    }

    static String csv(Dataset data) {
        StringBuilder sb = new StringBuilder("id,label");
        for (int d = 0; d < data.dim(); d++) {
            sb.append(",f").append(d);
        }
        sb.append('\n');
        for (int r = 0; r < data.size(); r++) {
            sb.append(data.id(r)).append(',').append(data.label(r));
            for (int d = 0; d < data.dim(); d++) {
                sb.append(',').append(data.feature(r, d));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static byte[] npyFloats(Dataset data) {
        ByteBuffer b = ByteBuffer.allocate(4 * data.size() * data.dim()).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < data.size(); r++) {
            for (int d = 0; d < data.dim(); d++) {
                b.putFloat(data.feature(r, d));
            }
        }
        return npy("<f4", "(" + data.size() + ", " + data.dim() + ")", b.array());
    }

    static byte[] npyLongs(int[] labels) {
        ByteBuffer b = ByteBuffer.allocate(8 * labels.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : labels) {
            b.putLong(v);
        }
        return npy("<i8", "(" + labels.length + ",)", b.array());
    }

    /** A version 1.0 {@code .npy} file: magic, header padded to 64 bytes, data. */
    private static byte[] npy(String descr, String shape, byte[] data) {
        StringBuilder header = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, 'shape': "
                + shape + ", }");
        while ((10 + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
            (byte) header.length(), (byte) (header.length() >> 8)});
        out.writeBytes(header.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(data);
        return out.toByteArray();
    }

    /** An IDX float file of shape (rows, h, w): the features of each row, big-endian. */
    private static byte[] idxFloats(Dataset data, int h, int w) {
        ByteBuffer b = ByteBuffer.allocate(4 + 12 + 4 * data.size() * data.dim()).order(ByteOrder.BIG_ENDIAN);
        b.put(new byte[] {0, 0, 0x0D, 3}).putInt(data.size()).putInt(h).putInt(w);
        for (int r = 0; r < data.size(); r++) {
            for (int d = 0; d < data.dim(); d++) {
                b.putFloat(data.feature(r, d));
            }
        }
        return b.array();
    }

    private static byte[] idxLabels(int[] labels) {
        ByteBuffer b = ByteBuffer.allocate(8 + labels.length).order(ByteOrder.BIG_ENDIAN);
        b.put(new byte[] {0, 0, 0x08, 1}).putInt(labels.length);
        for (int v : labels) {
            b.put((byte) v);
        }
        return b.array();
    }

    private static byte[] gzip(byte[] plain) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(plain);
        }
        return bytes.toByteArray();
    }
}
