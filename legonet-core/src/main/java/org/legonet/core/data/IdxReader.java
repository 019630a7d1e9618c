package org.legonet.core.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST, gzip-compressed or plain (recognised by the gzip
 * magic bytes, not by the file name).
 *
 * <p>Layout: two zero bytes, a type byte (0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float,
 * 0x0E double), a dimension-count byte, one big-endian int32 size per dimension, then the values,
 * big-endian, row-major. Anything else (a wrong magic, a short or over-long file, NaN) is a
 * {@link DataException} whose one-line message names the file and the problem.
 */
public final class IdxReader {
    private IdxReader() {
    }

    /** Reads a whole IDX file. Float values must be finite. */
    public static IdxArray read(Path file) {
        try (InputStream in = DataFiles.open(file)) {
            return parse(in, file.toString());
        } catch (IOException e) {
            throw DataFiles.ioError(file, e);
        }
    }

    /**
     * Reads a whole IDX file from a stream (gzip-compressed or plain), for files that are not on
     * the local file system; {@code source} (a path or URI) is what messages name. The stream is
     * read to its end, not closed.
     */
    public static IdxArray read(InputStream in, String source) {
        try {
            return parse(DataFiles.decompressing(in), source);
        } catch (IOException e) {
            throw DataFiles.ioError(source, e);
        }
    }

    private static IdxArray parse(InputStream in, String file) throws IOException {
        Header h = readHeader(in, file);
        int type = h.type();
        int[] dims = h.dims();
        long expected = h.count() * elementSize(type);
        if (!DataFiles.fitsInArray(expected)) {
            throw DataFiles.error(file, "dimensions " + Arrays.toString(dims) + " of "
                    + IdxArray.typeName(type) + " need " + expected + " bytes, more than one array can hold");
        }
        byte[] data = DataFiles.readUpTo(in, expected);
        if (data.length < expected) {
            throw DataFiles.error(file, "truncated: expected " + expected + " bytes of data after the header, found "
                    + data.length);
        }
        long trailing = DataFiles.countRemaining(in);
        if (trailing > 0) {
            throw DataFiles.error(file, "trailing garbage: " + trailing + " bytes after the " + expected
                    + " bytes of data the header announces");
        }
        return decode(file, type, dims, data, 0);
    }

    /** An IDX header: the type code and the dimensions; the data starts after {@code 4 + 4 * rank} bytes. */
    private record Header(int type, int[] dims, long count) {
    }

    private static Header readHeader(InputStream in, String file) throws IOException {
        byte[] magic = DataFiles.readUpTo(in, 4);
        if (magic.length < 4) {
            throw DataFiles.error(file, "too short for an IDX header: " + magic.length
                    + " bytes, expected at least 4");
        }
        if (magic[0] != 0 || magic[1] != 0) {
            throw DataFiles.error(file, "not an IDX file: found magic number " + DataFiles.hex(magic, 4)
                    + ", expected 0x0000 followed by a type code and a dimension count (such as 0x00000803)");
        }
        int type = magic[2] & 0xFF;
        int elementSize = elementSize(type);
        if (elementSize == 0) {
            throw DataFiles.error(file, String.format("unknown IDX type code 0x%02X, expected 0x08 (ubyte), "
                    + "0x09 (byte), 0x0B (short), 0x0C (int), 0x0D (float) or 0x0E (double)", type));
        }
        int rank = magic[3] & 0xFF;
        int[] dims = readDims(file, in, rank);
        long count = 1;
        for (int d : dims) {
            count *= d;
            if (count > Integer.MAX_VALUE) {
                throw DataFiles.error(file, "dimensions " + Arrays.toString(dims)
                        + " hold more values than one array can");
            }
        }
        return new Header(type, dims, count);
    }

    /**
     * Where the rows of an uncompressed IDX file lie, so that several readers can each decode their
     * own range of rows ({@link #rows}) without reading the whole file.
     *
     * @param source     what messages name (a path or URI)
     * @param type       the type code (such as {@link IdxArray#UBYTE})
     * @param dims       the dimensions; the first counts the rows
     * @param dataOffset where the data starts, in bytes from the start of the file
     */
    public record Layout(String source, int type, int[] dims, long dataOffset) {
        /** The number of rows. */
        public int rows() {
            return dims[0];
        }

        /** The shape of one row ({1} for a 1-dimensional file), as {@link #readLabelled} gives it. */
        public int[] sampleShape() {
            return dims.length == 1 ? new int[] {1} : Arrays.copyOfRange(dims, 1, dims.length);
        }

        /** The bytes one row takes. */
        public long rowBytes() {
            long values = 1;
            for (int s : sampleShape()) {
                values *= s;
            }
            return values * elementSize(type);
        }
    }

    /**
     * The layout of an IDX images file of {@code length} bytes whose beginning {@code in} reads,
     * with {@link #readLabelled}'s checks of the header and of the images' dimensions, and the file's
     * length checked against the header (truncated, trailing garbage); or null when the file is
     * gzip-compressed (read it whole instead). Only the header is read.
     */
    public static Layout layout(InputStream in, String source, long length) {
        try {
            InputStream buffered = in.markSupported() ? in : new BufferedInputStream(in, 2);
            buffered.mark(2);
            int b0 = buffered.read();
            int b1 = buffered.read();
            buffered.reset();
            if (b0 == 0x1f && b1 == 0x8b) {
                return null;
            }
            Header h = readHeader(buffered, source);
            checkImageDims(h.dims(), source);
            long offset = 4L + 4L * h.dims().length;
            long expected = h.count() * elementSize(h.type());
            long data = length - offset;
            if (data < expected) {
                throw DataFiles.error(source, "truncated: expected " + expected
                        + " bytes of data after the header, found " + Math.max(0, data));
            }
            if (data > expected) {
                throw DataFiles.error(source, "trailing garbage: " + (data - expected) + " bytes after the " + expected
                        + " bytes of data the header announces");
            }
            return new Layout(source, h.type(), h.dims(), offset);
        } catch (IOException e) {
            throw DataFiles.ioError(source, e);
        }
    }

    /**
     * Decodes the rows {@code firstRow, firstRow + 1, ...} of a file laid out as {@code layout} from
     * their bytes (whole rows), with {@link #read}'s checks and messages (which give the row's
     * number in the file).
     */
    public static float[] rows(Layout layout, long firstRow, byte[] bytes) {
        long rowBytes = layout.rowBytes();
        if (bytes.length % rowBytes != 0 || firstRow < 0 || firstRow + bytes.length / rowBytes > layout.rows()) {
            throw new IllegalArgumentException(bytes.length + " bytes from row " + firstRow + " are not whole rows of "
                    + layout.source());
        }
        int[] dims = layout.dims().clone();
        dims[0] = (int) (bytes.length / rowBytes);
        return decode(layout.source(), layout.type(), dims, bytes, firstRow).values();
    }

    /**
     * The labels of an images file of {@code rows} rows, read from an IDX stream with
     * {@link #readLabelled}'s checks and messages, for a reader that reads the images in ranges.
     */
    public static int[] readLabels(InputStream in, String labelsSource, String imagesSource, int rows) {
        return checkedLabels(read(in, labelsSource), labelsSource, imagesSource, rows);
    }

    private static void checkImageDims(int[] dims, String images) {
        if (dims.length < 1) {
            throw DataFiles.error(images, "has no dimensions; expected at least one (the rows)");
        }
        if (dims[0] == 0) {
            throw DataFiles.error(images, "holds no rows");
        }
        for (int i = 1; i < dims.length; i++) {
            if (dims[i] == 0) {
                throw DataFiles.error(images, "dimensions " + Arrays.toString(dims) + " leave each row empty");
            }
        }
    }

    private static int[] checkedLabels(IdxArray y, String labels, String images, int rows) {
        if (y.rank() != 1 || !y.isIntegerType()) {
            throw DataFiles.error(labels, "a labels file must be 1-dimensional of an integer type, found "
                    + IdxArray.typeName(y.type()) + " with dimensions " + Arrays.toString(y.dims()));
        }
        if (y.count() != rows) {
            throw new DataException(DataFiles.oneLine("image/label count mismatch: " + images + " holds " + rows
                    + " images but " + labels + " holds " + y.count() + " labels"));
        }
        int[] labelValues = y.intValues();
        for (int i = 0; i < labelValues.length; i++) {
            if (labelValues[i] < 0) {
                throw DataFiles.error(labels, "negative label " + labelValues[i] + " at row " + i);
            }
        }
        return labelValues;
    }

    /**
     * Reads an images file and a labels file into a dataset whose ids are the row numbers.
     *
     * <p>The images file may have any number of dimensions: the first counts rows and the rest are
     * the sample shape (a 1-dimensional file is rows of one value). Values are kept as they are
     * (ubyte 0..255 becomes 0f..255f; nothing is scaled). The labels file must be 1-dimensional,
     * of an integer type, non-negative, and as long as the images file.
     */
    public static Dataset readLabelled(Path images, Path labels, String name) {
        return labelled(read(images), images.toString(), () -> read(labels), labels.toString(), name);
    }

    /**
     * {@link #readLabelled(Path, Path, String)} on streams (gzip-compressed or plain), for files
     * that are not on the local file system: the same checks and messages, which name
     * {@code imagesSource} and {@code labelsSource}. The streams are not closed.
     */
    public static Dataset readLabelled(InputStream images, String imagesSource, InputStream labels,
                                       String labelsSource, String name) {
        return labelled(read(images, imagesSource), imagesSource, () -> read(labels, labelsSource), labelsSource,
                name);
    }

    private static Dataset labelled(IdxArray x, String images, Supplier<IdxArray> readLabels, String labels,
                                    String name) {
        int[] dims = x.dims();
        checkImageDims(dims, images);
        int[] sampleShape = dims.length == 1 ? new int[] {1} : Arrays.copyOfRange(dims, 1, dims.length);
        return Dataset.withRowIds(name, checkedLabels(readLabels.get(), labels, images, dims[0]), x.values(),
                sampleShape);
    }

    private static int[] readDims(String file, InputStream in, int rank) throws IOException {
        byte[] raw = DataFiles.readUpTo(in, 4L * rank);
        if (raw.length < 4 * rank) {
            throw DataFiles.error(file, "truncated header: expected " + 4 * rank + " bytes of sizes for "
                    + rank + " dimensions, found " + raw.length);
        }
        int[] dims = new int[rank];
        ByteBuffer.wrap(raw).order(ByteOrder.BIG_ENDIAN).asIntBuffer().get(dims);
        for (int i = 0; i < rank; i++) {
            if (dims[i] < 0) {
                throw DataFiles.error(file, "dimension " + i + " has negative size " + dims[i]);
            }
        }
        return dims;
    }

    private static int elementSize(int type) {
        return switch (type) {
            case IdxArray.UBYTE, IdxArray.BYTE -> 1;
            case IdxArray.SHORT -> 2;
            case IdxArray.INT, IdxArray.FLOAT -> 4;
            case IdxArray.DOUBLE -> 8;
            default -> 0;
        };
    }

    private static IdxArray decode(String file, int type, int[] dims, byte[] data, long rowBase) {
        ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN);
        int count = data.length / elementSize(type);
        float[] values = new float[count];
        int[] exactInts = null;
        switch (type) {
            case IdxArray.UBYTE -> {
                for (int i = 0; i < count; i++) {
                    values[i] = data[i] & 0xFF;
                }
            }
            case IdxArray.BYTE -> {
                for (int i = 0; i < count; i++) {
                    values[i] = data[i];
                }
            }
            case IdxArray.SHORT -> {
                ShortBuffer s = buf.asShortBuffer();
                for (int i = 0; i < count; i++) {
                    values[i] = s.get(i);
                }
            }
            case IdxArray.INT -> {
                exactInts = new int[count];
                IntBuffer s = buf.asIntBuffer();
                s.get(exactInts);
                for (int i = 0; i < count; i++) {
                    values[i] = exactInts[i];
                }
            }
            case IdxArray.FLOAT -> {
                buf.asFloatBuffer().get(values);
                checkFinite(file, dims, values, rowBase);
            }
            case IdxArray.DOUBLE -> {
                DoubleBuffer s = buf.asDoubleBuffer();
                for (int i = 0; i < count; i++) {
                    double d = s.get(i);
                    if (!Double.isFinite(d)) {
                        throw nonFinite(file, dims, i, DataFiles.describeNonFinite(d), rowBase);
                    }
                    values[i] = (float) d;
                    if (Float.isInfinite(values[i])) {
                        throw DataFiles.error(file, "row " + (rowBase + DataFiles.rowOf(i, dims, false)) + " holds " + d
                                + ", outside the float range");
                    }
                }
            }
            default -> throw new IllegalStateException("unreachable type " + type);
        }
        return new IdxArray(dims, type, values, exactInts);
    }

    private static void checkFinite(String file, int[] dims, float[] values, long rowBase) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw nonFinite(file, dims, i, DataFiles.describeNonFinite(values[i]), rowBase);
            }
        }
    }

    private static DataException nonFinite(String file, int[] dims, int index, String what, long rowBase) {
        return DataFiles.error(file, "row " + (rowBase + DataFiles.rowOf(index, dims, false)) + " holds a non-finite value ("
                + what + ")");
    }
}
