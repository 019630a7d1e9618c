package org.legonet.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.legonet.core.data.DataErrors.assertOneLineError;
import static org.legonet.core.data.DataErrors.gzip;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir
    Path dir;

    @Test
    void readsPlainUnsignedBytesExactly() throws IOException {
        Path file = write("images", idx(IdxArray.UBYTE, new int[] {2, 3}, bytes(0, 1, 127, 128, 254, 255)));

        IdxArray a = IdxReader.read(file);

        assertThat(a.dims()).containsExactly(2, 3);
        assertThat(a.type()).isEqualTo(IdxArray.UBYTE);
        assertThat(a.values()).containsExactly(0f, 1f, 127f, 128f, 254f, 255f);
        assertThat(a.intValues()).containsExactly(0, 1, 127, 128, 254, 255);
    }

    @Test
    void recognisesGzipByItsMagicBytesNotByName() throws IOException {
        byte[] plain = idx(IdxArray.UBYTE, new int[] {3}, bytes(7, 8, 9));
        Path gzippedWithoutSuffix = write("labels-plain-name", gzip(plain));
        Path plainWithGzSuffix = write("labels.gz", plain);

        assertThat(IdxReader.read(gzippedWithoutSuffix).values()).containsExactly(7f, 8f, 9f);
        assertThat(IdxReader.read(plainWithGzSuffix).values()).containsExactly(7f, 8f, 9f);
    }

    @Test
    void readsEveryElementTypeBigEndian() throws IOException {
        assertThat(IdxReader.read(write("b", idx(IdxArray.BYTE, new int[] {3}, bytes(-128, -1, 127)))).values())
                .containsExactly(-128f, -1f, 127f);
        ByteBuffer shorts = ByteBuffer.allocate(4).putShort((short) -300).putShort((short) 32767);
        assertThat(IdxReader.read(write("s", idx(IdxArray.SHORT, new int[] {2}, shorts.array()))).values())
                .containsExactly(-300f, 32767f);
        ByteBuffer ints = ByteBuffer.allocate(8).putInt(16_777_217).putInt(-5);
        IdxArray intArray = IdxReader.read(write("i", idx(IdxArray.INT, new int[] {2}, ints.array())));
        assertThat(intArray.intValues()).containsExactly(16_777_217, -5);
        ByteBuffer floats = ByteBuffer.allocate(8).putFloat(0.25f).putFloat(-1.5e-3f);
        assertThat(IdxReader.read(write("f", idx(IdxArray.FLOAT, new int[] {2}, floats.array()))).values())
                .containsExactly(0.25f, -1.5e-3f);
        ByteBuffer doubles = ByteBuffer.allocate(16).putDouble(0.1).putDouble(-2.0);
        IdxArray doubleArray = IdxReader.read(write("d", idx(IdxArray.DOUBLE, new int[] {2}, doubles.array())));
        assertThat(doubleArray.values()).containsExactly(0.1f, -2.0f);
        assertThatThrownBy(doubleArray::intValues).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void readsLabelledImagesWithRowIdsAndRawValues() throws IOException {
        Path images = write("images.gz", gzip(idx(IdxArray.UBYTE, new int[] {3, 2, 2},
                bytes(0, 1, 2, 3, 10, 11, 12, 13, 255, 254, 253, 252))));
        Path labels = write("labels", idx(IdxArray.UBYTE, new int[] {3}, bytes(9, 0, 4)));

        Dataset d = IdxReader.readLabelled(images, labels, "tiny");

        assertThat(d.name()).isEqualTo("tiny");
        assertThat(d.size()).isEqualTo(3);
        assertThat(d.sampleShape()).containsExactly(2, 2);
        assertThat(d.ids()).containsExactly(0, 1, 2);
        assertThat(d.labels()).containsExactly(9, 0, 4);
        float[] last = new float[4];
        d.copyRow(2, last, 0);
        assertThat(last).containsExactly(255f, 254f, 253f, 252f);
    }

    @Test
    void oneDimensionalImagesAreRowsOfOneValue() throws IOException {
        Path images = write("images", idx(IdxArray.UBYTE, new int[] {2}, bytes(5, 6)));
        Path labels = write("labels", idx(IdxArray.INT, new int[] {2}, ByteBuffer.allocate(8).putInt(1).putInt(0).array()));

        Dataset d = IdxReader.readLabelled(images, labels, "column");

        assertThat(d.sampleShape()).containsExactly(1);
        assertThat(d.feature(1, 0)).isEqualTo(6f);
        assertThat(d.labels()).containsExactly(1, 0);
    }

    @Test
    void readsAFullFashionMnistSizedGzipFile() throws IOException {
        byte[] pixels = new byte[60_000 * 784];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 31);
        }
        Path file = write("big.gz", gzip(idx(IdxArray.UBYTE, new int[] {60_000, 28, 28}, pixels)));

        IdxArray a = IdxReader.read(file);

        assertThat(a.count()).isEqualTo(pixels.length);
        assertThat(a.values()[pixels.length - 1]).isEqualTo(pixels[pixels.length - 1] & 0xFF);
    }

    @Test
    void wrongMagicSaysWhatWasFoundAndExpected() throws IOException {
        Path file = write("notidx", "PK\u0003\u0004 rest".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

        assertOneLineError(() -> IdxReader.read(file), file.toString(), "not an IDX file", "0x504B0304",
                "expected 0x0000");
    }

    @Test
    void tooShortForAHeader() throws IOException {
        Path file = write("short", bytes(0, 0));

        assertOneLineError(() -> IdxReader.read(file), file.toString(), "too short for an IDX header");
    }

    @Test
    void unknownTypeCode() throws IOException {
        Path file = write("type", idx(0x0A, new int[] {1}, bytes(1)));

        assertOneLineError(() -> IdxReader.read(file), file.toString(), "unknown IDX type code 0x0A");
    }

    @Test
    void truncatedData() throws IOException {
        Path file = write("truncated.gz", gzip(idx(IdxArray.UBYTE, new int[] {3, 4}, new byte[10])));

        assertOneLineError(() -> IdxReader.read(file), file.toString(),
                "expected 12 bytes of data after the header, found 10");
    }

    @Test
    void truncatedHeader() throws IOException {
        byte[] full = idx(IdxArray.UBYTE, new int[] {3, 4}, new byte[0]);
        Path file = write("header", Arrays.copyOf(full, 9));

        assertOneLineError(() -> IdxReader.read(file), file.toString(), "truncated header", "found 5");
    }

    @Test
    void trailingGarbage() throws IOException {
        Path file = write("trailing", idx(IdxArray.UBYTE, new int[] {2}, bytes(1, 2, 3, 4)));

        assertOneLineError(() -> IdxReader.read(file), file.toString(), "trailing garbage", "2 bytes after the 2 bytes");
    }

    @Test
    void negativeDimension() throws IOException {
        Path file = write("negative", idx(IdxArray.UBYTE, new int[] {2, -3}, new byte[0]));

        assertOneLineError(() -> IdxReader.read(file), file.toString(), "dimension 1 has negative size -3");
    }

    @Test
    void nanNamesTheRow() throws IOException {
        ByteBuffer floats = ByteBuffer.allocate(16).putFloat(1f).putFloat(2f).putFloat(3f).putFloat(Float.NaN);
        Path file = write("nan", idx(IdxArray.FLOAT, new int[] {2, 2}, floats.array()));

        assertOneLineError(() -> IdxReader.read(file), file.toString(), "row 1", "non-finite", "NaN");
    }

    @Test
    void infiniteDoubleNamesTheRow() throws IOException {
        ByteBuffer doubles = ByteBuffer.allocate(24).putDouble(1).putDouble(Double.NEGATIVE_INFINITY).putDouble(0);
        Path file = write("inf", idx(IdxArray.DOUBLE, new int[] {3}, doubles.array()));

        assertOneLineError(() -> IdxReader.read(file), file.toString(), "row 1", "-Infinity");
    }

    @Test
    void missingFile() {
        Path file = dir.resolve("absent-images");

        assertOneLineError(() -> IdxReader.read(file), file.toString(), "no such file");
    }

    @Test
    void labelsMustBeOneDimensionalIntegers() throws IOException {
        Path images = write("images", idx(IdxArray.UBYTE, new int[] {2, 2}, bytes(1, 2, 3, 4)));
        Path twoD = write("labels2d", idx(IdxArray.UBYTE, new int[] {2, 1}, bytes(0, 1)));
        Path floats = write("labelsf", idx(IdxArray.FLOAT, new int[] {2}, ByteBuffer.allocate(8).putFloat(0).putFloat(1).array()));

        assertOneLineError(() -> IdxReader.readLabelled(images, twoD, "x"), twoD.toString(),
                "1-dimensional of an integer type", "[2, 1]");
        assertOneLineError(() -> IdxReader.readLabelled(images, floats, "x"), floats.toString(),
                "1-dimensional of an integer type", "float");
    }

    @Test
    void imageAndLabelCountsMustMatch() throws IOException {
        Path images = write("images", idx(IdxArray.UBYTE, new int[] {3, 1}, bytes(1, 2, 3)));
        Path labels = write("labels", idx(IdxArray.UBYTE, new int[] {2}, bytes(0, 1)));

        assertOneLineError(() -> IdxReader.readLabelled(images, labels, "x"), images.toString(), labels.toString(),
                "3 images", "2 labels");
    }

    @Test
    void negativeLabelsAreRefused() throws IOException {
        Path images = write("images", idx(IdxArray.UBYTE, new int[] {2, 1}, bytes(1, 2)));
        Path labels = write("labels", idx(IdxArray.BYTE, new int[] {2}, bytes(0, -1)));

        assertOneLineError(() -> IdxReader.readLabelled(images, labels, "x"), labels.toString(),
                "negative label -1 at row 1");
    }

    @Test
    void emptyRowsAreRefused() throws IOException {
        Path images = write("images", idx(IdxArray.UBYTE, new int[] {2, 0}, new byte[0]));
        Path labels = write("labels", idx(IdxArray.UBYTE, new int[] {2}, bytes(0, 1)));

        assertOneLineError(() -> IdxReader.readLabelled(images, labels, "x"), images.toString(), "leave each row empty");
    }

    private Path write(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    static byte[] idx(int type, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(data).array();
    }

    static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }
}
