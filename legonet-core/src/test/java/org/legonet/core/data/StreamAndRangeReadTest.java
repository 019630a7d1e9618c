package org.legonet.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.legonet.core.data.DataErrors.assertOneLineError;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream and row-range entry points other engines (Spark) read files through: the same values,
 * checks and messages as the path readers.
 */
class StreamAndRangeReadTest {
    /** 6 rows of 2x3 float values 0..35 (value = 6 row + column). */
    private static final float[] VALUES = new float[36];

    static {
        for (int i = 0; i < VALUES.length; i++) {
            VALUES[i] = i * 0.5f;
        }
    }

    @TempDir
    Path dir;

    @Test
    void csvFromAStreamEqualsTheFile() throws Exception {
        Path file = Files.writeString(dir.resolve("t.csv"), "id,label,a,b\n7,1,0.5,2\n3,0,1e3,-4\n");
        CsvOptions options = CsvOptions.DEFAULTS.withIdColumn("id");
        Dataset fromFile = CsvReader.read(file, options);
        Dataset fromStream = CsvReader.read(new ByteArrayInputStream(DataErrors.gzip(Files.readAllBytes(file))),
                "hdfs://nn/t.csv", "t.csv", options);
        assertThat(fromStream.fingerprint()).isEqualTo(fromFile.fingerprint());
        assertThat(fromStream.name()).isEqualTo("t.csv");
        assertOneLineError(() -> CsvReader.read(new ByteArrayInputStream("label,a\n1,x\n".getBytes(
                StandardCharsets.UTF_8)), "s3a://b/k.csv", "k.csv", null), "s3a://b/k.csv: line 2", "'x'");
    }

    @Test
    void csvLinesParseEachLineAsTheFileReaderDoes() throws Exception {
        String text = "\uFEFFid,\"label\",a,b\r\n\r\n7,1,0.5,2\r\n \t \r\n3,0,1e3,-4\r\n";
        CsvOptions options = CsvOptions.DEFAULTS.withIdColumn("id");
        CsvReader.Lines lines = CsvReader.Lines.start(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)),
                "t.csv", options);
        assertThat(lines.hasHeader()).isTrue();
        assertThat(lines.hasIdColumn()).isTrue();
        assertThat(lines.featureCount()).isEqualTo(2);
        assertThat(lines.firstLine()).isEqualTo(1);
        CsvReader.Lines copy = CsvReader.Lines.of("t.csv", options, lines.firstRecord(), lines.firstLine());
        String[] split = text.split("\r\n");
        assertThat(copy.parse(split[0], 1)).isNull();
        assertThat(copy.parse(split[1], 2)).isNull();
        CsvReader.Lines.Row row = copy.parse(split[2], 3);
        assertThat(row.id()).isEqualTo(7);
        assertThat(row.label()).isEqualTo(1);
        assertThat(row.features()).containsExactly(0.5f, 2f);
        assertThat(copy.parse(split[3], 4)).isNull();
        assertThat(copy.parse(split[4], 5).features()).containsExactly(1e3f, -4f);

        Path file = Files.writeString(dir.resolve("bad.csv"), "id,label,a,b\n1,0,1,2\n1,0,x,2\n");
        String whole = assertOneLineError(() -> CsvReader.read(file, null), "line 3").getMessage();
        CsvReader.Lines bad = CsvReader.Lines.start(Files.newInputStream(file), file.toString(), null);
        assertOneLineError(() -> bad.parse("1,0,x,2", 3), whole);
        assertOneLineError(() -> bad.parse("1,0,2", 3), file + ": line 3 has 3 cells, the header has 4");
        assertOneLineError(() -> bad.parse("1,0,\"2", 9), file + ": line 9: a quoted cell is never closed");
        CsvReader.Lines ids = CsvReader.Lines.start(Files.newInputStream(file), file.toString(), options);
        assertThat(ids.duplicateId(1, 3, 2).getMessage()).isEqualTo(assertOneLineError(() -> CsvReader.read(
                Files.writeString(dir.resolve("dup.csv"), "id,label,a,b\n1,0,1,2\n1,0,3,2\n"), options))
                .getMessage().replace("dup.csv", "bad.csv"));
        assertThat(ids.noDataRows().getMessage()).isEqualTo(file + ": no data rows (the file holds only a header)");

        CsvReader.Lines headless = CsvReader.Lines.start(new ByteArrayInputStream("\n2,5,6\n".getBytes(
                StandardCharsets.UTF_8)), "h.csv", null);
        assertThat(headless.hasHeader()).isFalse();
        assertThat(headless.firstLine()).isEqualTo(2);
        assertThat(headless.parse("2,5,6", 2).features()).containsExactly(5f, 6f);
        assertThat(headless.parse("2,5,6", 2).id()).isEqualTo(-1);
        assertOneLineError(() -> CsvReader.Lines.start(new ByteArrayInputStream(new byte[0]), "e.csv", null),
                "e.csv: no data rows (the file is empty)");
    }

    @Test
    void npyRowRangesDecodeAsTheWholeFile() throws Exception {
        byte[] file = NpyReaderTest.npy(1, "<f4", false, "(6, 2, 3)", NpyReaderTest.floats(ByteOrder.LITTLE_ENDIAN,
                VALUES));
        NpyReader.Layout layout = NpyReader.layout(new ByteArrayInputStream(file), "x.npy", file.length);
        assertThat(layout.rows()).isEqualTo(6);
        assertThat(layout.sampleShape()).containsExactly(2, 3);
        assertThat(layout.rowBytes()).isEqualTo(24);
        byte[] rows2to4 = Arrays.copyOfRange(file, (int) (layout.dataOffset() + 2 * 24), (int) (layout.dataOffset()
                + 5 * 24));
        assertThat(NpyReader.rows(layout, 2, rows2to4)).containsExactly(Arrays.copyOfRange(VALUES, 12, 30));
        assertThat(NpyReader.read(new ByteArrayInputStream(file), "x.npy").values()).containsExactly(VALUES);
    }

    @Test
    void npyRangeErrorsNameTheFileRow() {
        float[] values = VALUES.clone();
        values[4 * 6 + 1] = Float.NaN;
        byte[] file = NpyReaderTest.npy(1, "<f4", false, "(6, 6)", NpyReaderTest.floats(ByteOrder.LITTLE_ENDIAN,
                values));
        NpyReader.Layout layout = NpyReader.layout(new ByteArrayInputStream(file), "x.npy", file.length);
        byte[] rows3to5 = Arrays.copyOfRange(file, (int) (layout.dataOffset() + 3 * 24), file.length);
        assertOneLineError(() -> NpyReader.rows(layout, 3, rows3to5), "x.npy: row 4 holds a non-finite value (NaN)");
        assertOneLineError(() -> NpyReader.layout(new ByteArrayInputStream(file), "x.npy", file.length - 1),
                "x.npy: truncated");
        assertOneLineError(() -> NpyReader.layout(new ByteArrayInputStream(file), "x.npy", file.length + 3),
                "x.npy: trailing garbage: 3 bytes");
        byte[] empty = NpyReaderTest.npy(1, "<f4", false, "(0, 6)", new byte[0]);
        assertOneLineError(() -> NpyReader.layout(new ByteArrayInputStream(empty), "e.npy", empty.length),
                "e.npy: holds no rows");
    }

    @Test
    void compressedOrFortranNpyHasNoLayout() {
        byte[] file = NpyReaderTest.npy(1, "<f4", false, "(6, 6)", NpyReaderTest.floats(ByteOrder.LITTLE_ENDIAN,
                VALUES));
        assertThat(NpyReader.layout(new ByteArrayInputStream(DataErrors.gzip(file)), "x.npy.gz", 100)).isNull();
        byte[] fortran = NpyReaderTest.npy(1, "<f4", true, "(6, 6)", NpyReaderTest.floats(ByteOrder.LITTLE_ENDIAN,
                VALUES));
        assertThat(NpyReader.layout(new ByteArrayInputStream(fortran), "f.npy", fortran.length)).isNull();
    }

    @Test
    void npyLabelsAreCheckedAsReadLabelledChecksThem() {
        byte[] labels = NpyReaderTest.npy(1, "<i8", false, "(3,)", longs(1, 0, 2));
        assertThat(NpyReader.readLabels(new ByteArrayInputStream(labels), "y.npy", "x.npy", 3))
                .containsExactly(1, 0, 2);
        assertOneLineError(() -> NpyReader.readLabels(new ByteArrayInputStream(labels), "y.npy", "x.npy", 4),
                "label/feature count mismatch: x.npy holds 4 rows but y.npy holds 3 labels");
        byte[] negative = NpyReaderTest.npy(1, "<i8", false, "(2,)", longs(1, -1));
        assertOneLineError(() -> NpyReader.readLabels(new ByteArrayInputStream(negative), "y.npy", "x.npy", 2),
                "y.npy: label -1 at row 1");
    }

    @Test
    void idxRowRangesDecodeAsTheWholeFile() {
        byte[] file = idxFloats(VALUES, 6, 2, 3);
        IdxReader.Layout layout = IdxReader.layout(new ByteArrayInputStream(file), "i", file.length);
        assertThat(layout.dataOffset()).isEqualTo(16);
        assertThat(layout.sampleShape()).containsExactly(2, 3);
        byte[] rows1to2 = Arrays.copyOfRange(file, 16 + 24, 16 + 3 * 24);
        assertThat(IdxReader.rows(layout, 1, rows1to2)).containsExactly(Arrays.copyOfRange(VALUES, 6, 18));
        assertThat(IdxReader.read(new ByteArrayInputStream(DataErrors.gzip(file)), "i.gz").values())
                .containsExactly(VALUES);
        assertThat(IdxReader.layout(new ByteArrayInputStream(DataErrors.gzip(file)), "i.gz", 50)).isNull();

        float[] bad = VALUES.clone();
        bad[5 * 6] = Float.POSITIVE_INFINITY;
        byte[] badFile = idxFloats(bad, 6, 2, 3);
        assertOneLineError(() -> IdxReader.rows(layout, 4, Arrays.copyOfRange(badFile, 16 + 4 * 24, badFile.length)),
                "i: row 5 holds a non-finite value (Infinity)");
        assertOneLineError(() -> IdxReader.layout(new ByteArrayInputStream(file), "i", file.length - 2),
                "i: truncated");
    }

    @Test
    void idxLabelsAreCheckedAsReadLabelledChecksThem() {
        byte[] labels = ByteBuffer.allocate(11).put(new byte[] {0, 0, 8, 1}).putInt(3).put(new byte[] {1, 0, 9})
                .array();
        assertThat(IdxReader.readLabels(new ByteArrayInputStream(labels), "l", "i", 3)).containsExactly(1, 0, 9);
        assertOneLineError(() -> IdxReader.readLabels(new ByteArrayInputStream(labels), "l", "i", 6),
                "image/label count mismatch: i holds 6 images but l holds 3 labels");
    }

    private static byte[] idxFloats(float[] values, int... dims) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + 4 * values.length).order(ByteOrder.BIG_ENDIAN);
        b.put(new byte[] {0, 0, 0x0D, (byte) dims.length});
        for (int d : dims) {
            b.putInt(d);
        }
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    private static byte[] longs(long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }
}
