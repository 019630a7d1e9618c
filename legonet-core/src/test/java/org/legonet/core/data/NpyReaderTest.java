package org.legonet.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.legonet.core.data.DataErrors.assertOneLineError;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyReaderTest {
    @TempDir
    Path dir;

    @Test
    void readsVersion1LittleEndianFloat32() throws IOException {
        Path file = write("x.npy", npy(1, "<f4", false, "(2, 3)", floats(ByteOrder.LITTLE_ENDIAN, 1, 2, 3, 4, 5, 6.5f)));

        NpyArray a = NpyReader.read(file);

        assertThat(a.shape()).containsExactly(2, 3);
        assertThat(a.descr()).isEqualTo("<f4");
        assertThat(a.isInteger()).isFalse();
        assertThat(a.values()).containsExactly(1, 2, 3, 4, 5, 6.5f);
    }

    @Test
    void readsVersion2BigEndianFloat64() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN).putDouble(0.1).putDouble(-3);
        Path file = write("x.npy", npy(2, ">f8", false, "(2,)", b.array()));

        NpyArray a = NpyReader.read(file);

        assertThat(a.shape()).containsExactly(2);
        assertThat(a.values()).containsExactly(0.1f, -3f);
    }

    @Test
    void readsVersion3() throws IOException {
        Path file = write("x.npy", npy(3, "|u1", false, "(3,)", new byte[] {1, 2, (byte) 200}));

        assertThat(NpyReader.read(file).values()).containsExactly(1, 2, 200);
    }

    @Test
    void reordersFortranOrderToCOrder() throws IOException {
        // The 2x3 matrix [[1, 2, 3], [4, 5, 6]] stored column by column.
        Path matrix = write("m.npy", npy(1, "<f4", true, "(2, 3)", floats(ByteOrder.LITTLE_ENDIAN, 1, 4, 2, 5, 3, 6)));
        assertThat(NpyReader.read(matrix).values()).containsExactly(1, 2, 3, 4, 5, 6);

        // A 2x3x2 array whose C-order value is its C-order index, stored in Fortran order.
        int[] shape = {2, 3, 2};
        float[] fortran = new float[12];
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 2; k++) {
                    fortran[i + 2 * j + 6 * k] = i * 6 + j * 2 + k;
                }
            }
        }
        Path cube = write("c.npy", npy(1, "<i8", true, "(2, 3, 2)", longsOf(fortran)));
        NpyArray a = NpyReader.read(cube);
        assertThat(a.shape()).containsExactly(shape);
        assertThat(a.longValues()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    }

    @Test
    void readsEveryIntegerDtypeExactly() throws IOException {
        assertThat(intsOf("|i1", new byte[] {-1, 127})).containsExactly(-1, 127);
        assertThat(intsOf("|u1", new byte[] {-1, 127})).containsExactly(255, 127);
        assertThat(intsOf("<i2", le(4).putShort((short) -2).putShort((short) 300).array())).containsExactly(-2, 300);
        assertThat(intsOf("<u2", le(4).putShort((short) -1).putShort((short) 300).array())).containsExactly(65535, 300);
        assertThat(intsOf(">i2", be(4).putShort((short) -2).putShort((short) 300).array())).containsExactly(-2, 300);
        assertThat(intsOf("<i4", le(8).putInt(16_777_217).putInt(-9).array())).containsExactly(16_777_217, -9);
        assertThat(intsOf(">u4", be(8).putInt(-1).putInt(9).array())).containsExactly(4_294_967_295L, 9);
        assertThat(intsOf("<u4", le(8).putInt(-1).putInt(9).array())).containsExactly(4_294_967_295L, 9);
        assertThat(intsOf("<i8", le(16).putLong(-7).putLong(1L << 40).array())).containsExactly(-7, 1L << 40);
        assertThat(intsOf(">i8", be(16).putLong(-7).putLong(1L << 40).array())).containsExactly(-7, 1L << 40);
        assertThat(intsOf("<u8", le(16).putLong(3).putLong(1L << 40).array())).containsExactly(3, 1L << 40);
        assertThat(intsOf("|b1", new byte[] {0, 1})).containsExactly(0, 1);
    }

    @Test
    void readsLabelledFeaturesWithIntegerLabels() throws IOException {
        Path x = write("x.npy", npy(1, "<f4", false, "(3, 2)", floats(ByteOrder.LITTLE_ENDIAN, 1, 2, 3, 4, 5, 6)));
        Path y = write("y.npy", npy(1, "<i8", false, "(3,)", le(24).putLong(2).putLong(0).putLong(1).array()));

        Dataset d = NpyReader.readLabelled(x, y, "np");

        assertThat(d.name()).isEqualTo("np");
        assertThat(d.sampleShape()).containsExactly(2);
        assertThat(d.ids()).containsExactly(0, 1, 2);
        assertThat(d.labels()).containsExactly(2, 0, 1);
        assertThat(d.feature(2, 1)).isEqualTo(6f);
    }

    @Test
    void acceptsIntegralFloatLabelsAndOneDimensionalFeatures() throws IOException {
        Path x = write("x.npy", npy(2, "<f8", false, "(3,)", le(24).putDouble(0.5).putDouble(1.5).putDouble(2.5).array()));
        Path y = write("y.npy", npy(1, "<f4", false, "(3,)", floats(ByteOrder.LITTLE_ENDIAN, 1, 0, 7)));

        Dataset d = NpyReader.readLabelled(x, y, "np");

        assertThat(d.sampleShape()).containsExactly(1);
        assertThat(d.labels()).containsExactly(1, 0, 7);
        assertThat(d.feature(1, 0)).isEqualTo(1.5f);
    }

    @Test
    void keepsImageShapesAfterTheRowDimension() throws IOException {
        Path x = write("x.npy", npy(1, "|u1", false, "(2, 2, 2)", new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
        Path y = write("y.npy", npy(1, "|u1", false, "(2,)", new byte[] {3, 4}));

        Dataset d = NpyReader.readLabelled(x, y, "img");

        assertThat(d.sampleShape()).containsExactly(2, 2);
        assertThat(d.feature(1, 3)).isEqualTo(8f);
    }

    @Test
    void badMagic() throws IOException {
        Path file = write("x.npy", "PK\u0003\u0004not numpy".getBytes(StandardCharsets.ISO_8859_1));

        assertOneLineError(() -> NpyReader.read(file), file.toString(), "not a .npy file", "0x504B03046E6F",
                "\\x93NUMPY");
    }

    @Test
    void unsupportedVersion() throws IOException {
        byte[] bytes = npy(1, "<f4", false, "(1,)", floats(ByteOrder.LITTLE_ENDIAN, 1));
        bytes[6] = 4;
        Path file = write("x.npy", bytes);

        assertOneLineError(() -> NpyReader.read(file), file.toString(), "unsupported .npy format version 4.0");
    }

    @Test
    void unsupportedDtypeIsNamed() throws IOException {
        Path file = write("x.npy", npy(1, "<c8", false, "(1,)", new byte[8]));

        assertOneLineError(() -> NpyReader.read(file), file.toString(), "unsupported dtype '<c8'", "'<f4'");
    }

    @Test
    void objectArraysAreRefused() throws IOException {
        Path file = write("x.npy", npy(1, "|O", false, "(1,)", new byte[8]));

        assertOneLineError(() -> NpyReader.read(file), file.toString(), "object arrays are not supported", "'|O'");
    }

    @Test
    void structuredDtypesAreRefused() throws IOException {
        String header = "{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (1,), }";
        Path file = write("x.npy", npyWithHeader(1, header, new byte[8]));

        assertOneLineError(() -> NpyReader.read(file), file.toString(), "structured dtypes are not supported");
    }

    @Test
    void malformedHeader() throws IOException {
        Path file = write("x.npy", npyWithHeader(1, "{'descr': '<f4', 'shape': (1,), }", new byte[4]));

        assertOneLineError(() -> NpyReader.read(file), file.toString(), "malformed header", "'fortran_order'");
    }

    @Test
    void truncatedData() throws IOException {
        Path file = write("x.npy", npy(1, "<f4", false, "(2, 2)", new byte[10]));

        assertOneLineError(() -> NpyReader.read(file), file.toString(),
                "expected 16 bytes of data after the header, found 10");
    }

    @Test
    void truncatedHeader() throws IOException {
        byte[] full = npy(1, "<f4", false, "(2, 2)", new byte[16]);
        Path file = write("x.npy", Arrays.copyOf(full, 30));

        assertOneLineError(() -> NpyReader.read(file), file.toString(), "truncated header");
    }

    @Test
    void trailingGarbage() throws IOException {
        Path file = write("x.npy", npy(1, "|u1", false, "(2,)", new byte[] {1, 2, 3}));

        assertOneLineError(() -> NpyReader.read(file), file.toString(), "trailing garbage");
    }

    @Test
    void nanNamesTheRowInEitherOrder() throws IOException {
        Path c = write("c.npy", npy(1, "<f4", false, "(3, 2)", floats(ByteOrder.LITTLE_ENDIAN, 0, 0, 0, 0, Float.NaN, 0)));
        assertOneLineError(() -> NpyReader.read(c), c.toString(), "row 2", "NaN");

        // Fortran order: element (1, 0) of a 3x2 array is stored second.
        Path f = write("f.npy", npy(1, "<f8", true, "(3, 2)",
                le(48).putDouble(0).putDouble(Double.POSITIVE_INFINITY).putDouble(0).putDouble(0).putDouble(0)
                        .putDouble(0).array()));
        assertOneLineError(() -> NpyReader.read(f), f.toString(), "row 1", "Infinity");
    }

    @Test
    void labelAndFeatureCountsMustMatch() throws IOException {
        Path x = write("x.npy", npy(1, "<f4", false, "(3, 1)", floats(ByteOrder.LITTLE_ENDIAN, 1, 2, 3)));
        Path y = write("y.npy", npy(1, "|u1", false, "(2,)", new byte[] {0, 1}));

        assertOneLineError(() -> NpyReader.readLabelled(x, y, "np"), x.toString(), y.toString(), "3 rows",
                "2 labels");
    }

    @Test
    void labelsMustBeOneDimensionalNonNegativeIntegers() throws IOException {
        Path x = write("x.npy", npy(1, "<f4", false, "(2, 1)", floats(ByteOrder.LITTLE_ENDIAN, 1, 2)));
        Path twoD = write("y2.npy", npy(1, "|u1", false, "(2, 1)", new byte[] {0, 1}));
        Path fractional = write("yf.npy", npy(1, "<f4", false, "(2,)", floats(ByteOrder.LITTLE_ENDIAN, 1, 2.5f)));
        Path negative = write("yn.npy", npy(1, "<i4", false, "(2,)", le(8).putInt(0).putInt(-3).array()));

        assertOneLineError(() -> NpyReader.readLabelled(x, twoD, "np"), twoD.toString(), "1-D", "(2, 1)");
        assertOneLineError(() -> NpyReader.readLabelled(x, fractional, "np"), fractional.toString(),
                "label 2.5 at row 1");
        assertOneLineError(() -> NpyReader.readLabelled(x, negative, "np"), negative.toString(), "label -3 at row 1");
    }

    @Test
    void missingFile() {
        Path file = dir.resolve("absent.npy");

        assertOneLineError(() -> NpyReader.read(file), file.toString(), "no such file");
    }

    private long[] intsOf(String descr, byte[] data) throws IOException {
        Path file = write("i.npy", npy(1, descr, false, "(2,)", data));
        NpyArray a = NpyReader.read(file);
        assertThat(a.isInteger()).isTrue();
        long[] exact = a.longValues();
        for (int i = 0; i < exact.length; i++) {
            assertThat(a.values()[i]).isEqualTo((float) exact[i]);
        }
        return exact;
    }

    private Path write(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    /** A .npy file as NumPy writes it: the header padded with spaces and a newline to 64 bytes. */
    static byte[] npy(int version, String descr, boolean fortran, String shape, byte[] data) {
        String header = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False")
                + ", 'shape': " + shape + ", }";
        return npyWithHeader(version, header, data);
    }

    static byte[] npyWithHeader(int version, String dict, byte[] data) {
        int lengthBytes = version == 1 ? 2 : 4;
        int prefix = 8 + lengthBytes;
        StringBuilder header = new StringBuilder(dict);
        while ((prefix + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        byte[] h = header.toString().getBytes(version == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(prefix + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) version).put((byte) 0);
        if (version == 1) {
            b.putShort((short) h.length);
        } else {
            b.putInt(h.length);
        }
        return b.put(h).put(data).array();
    }

    static byte[] floats(ByteOrder order, float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(order);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    private static byte[] longsOf(float[] values) {
        ByteBuffer b = le(8 * values.length);
        for (float v : values) {
            b.putLong((long) v);
        }
        return b.array();
    }

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer be(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.BIG_ENDIAN);
    }
}
