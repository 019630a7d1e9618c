package org.legonet.core.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Reads NumPy {@code .npy} files, format versions 1.0, 2.0 and 3.0, so data prepared in Python can
 * be used without conversion.
 *
 * <p>Supported dtypes: float32 and float64, signed and unsigned integers of 1, 2, 4 and 8 bytes, and
 * booleans, in either byte order; arrays in Fortran order are reordered to C order. Object and
 * structured arrays are refused. Every problem is a {@link DataException} with a one-line message
 * naming the file.
 */
public final class NpyReader {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int MAX_HEADER = 1 << 20;
    private static final String SUPPORTED = "supported: float32 and float64 ('<f4', '<f8'), integers ('|i1', '|u1', "
            + "'<i2', '<u2', '<i4', '<u4', '<i8', '<u8'), booleans ('|b1') and the big-endian forms ('>f4', ...)";

    private NpyReader() {
    }

    /** Reads a whole {@code .npy} file; float values must be finite. */
    public static NpyArray read(Path file) {
        try (InputStream in = DataFiles.open(file)) {
            return parse(in, file.toString());
        } catch (IOException e) {
            throw DataFiles.ioError(file, e);
        }
    }

    /**
     * Reads a whole {@code .npy} file from a stream (gzip-compressed or plain), for files that are
     * not on the local file system; {@code source} (a path or URI) is what messages name. The
     * stream is read to its end, not closed.
     */
    public static NpyArray read(InputStream in, String source) {
        try {
            return parse(DataFiles.decompressing(in), source);
        } catch (IOException e) {
            throw DataFiles.ioError(source, e);
        }
    }

    private static NpyArray parse(InputStream in, String file) throws IOException {
        Header h = readHeader(in, file).header();
        long expected = (long) h.count() * h.dtype().size();
        if (!DataFiles.fitsInArray(expected)) {
            throw DataFiles.error(file, "shape " + shapeText(h.shape()) + " needs " + expected
                    + " bytes, more than one array can hold");
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
        return decode(file, h, data, 0);
    }

    /** The parsed header and the offset of the data that follows it. */
    private record HeaderAt(Header header, long dataOffset) {
    }

    private static HeaderAt readHeader(InputStream in, String file) throws IOException {
        byte[] preamble = DataFiles.readUpTo(in, MAGIC.length + 2);
        if (preamble.length < MAGIC.length + 2
                || !Arrays.equals(preamble, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw DataFiles.error(file, "not a .npy file: found magic " + DataFiles.hex(preamble, MAGIC.length)
                    + ", expected 0x934E554D5059 (\\x93NUMPY)");
        }
        int major = preamble[6] & 0xFF;
        int minor = preamble[7] & 0xFF;
        if (major < 1 || major > 3) {
            throw DataFiles.error(file, "unsupported .npy format version " + major + "." + minor
                    + " (supported: 1.0, 2.0 and 3.0)");
        }
        int lengthBytes = major == 1 ? 2 : 4;
        byte[] lengthField = DataFiles.readUpTo(in, lengthBytes);
        if (lengthField.length < lengthBytes) {
            throw DataFiles.error(file, "truncated header: the header length field is cut short");
        }
        ByteBuffer lb = ByteBuffer.wrap(lengthField).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = major == 1 ? lb.getShort() & 0xFFFF : lb.getInt() & 0xFFFFFFFFL;
        if (headerLength > MAX_HEADER) {
            throw DataFiles.error(file, "implausible header length " + headerLength + " bytes");
        }
        byte[] headerBytes = DataFiles.readUpTo(in, headerLength);
        if (headerBytes.length < headerLength) {
            throw DataFiles.error(file, "truncated header: expected " + headerLength + " bytes, found "
                    + headerBytes.length);
        }
        String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        return new HeaderAt(Header.parse(file, header), MAGIC.length + 2L + lengthBytes + headerLength);
    }

    /**
     * Where the rows of an uncompressed, C-order {@code .npy} file lie, so that several readers can
     * each decode their own range of rows ({@link #rows}) without reading the whole file.
     *
     * @param source     what messages name (a path or URI)
     * @param descr      the dtype as the header gives it
     * @param shape      the array's shape; the first dimension counts the rows
     * @param dataOffset where the data starts, in bytes from the start of the file
     */
    public record Layout(String source, String descr, int[] shape, long dataOffset) {
        /** The number of rows. */
        public int rows() {
            return shape[0];
        }

        /** The shape of one row ({1} for a 1-D array), as {@link #readLabelled} gives it. */
        public int[] sampleShape() {
            return shape.length == 1 ? new int[] {1} : Arrays.copyOfRange(shape, 1, shape.length);
        }

        /** The bytes one row takes. */
        public long rowBytes() {
            long values = 1;
            for (int s : sampleShape()) {
                values *= s;
            }
            return values * Dtype.parse(source, descr).size();
        }
    }

    /**
     * The layout of a {@code .npy} features file of {@code length} bytes whose beginning {@code in}
     * reads, with {@link #readLabelled}'s checks of the header and of the features' shape, and the
     * file's length checked against the header (truncated, trailing garbage); or null when the file
     * is gzip-compressed or a multi-dimensional array in Fortran order (read it whole instead). Only
     * the header is read.
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
            HeaderAt at = readHeader(buffered, source);
            Header h = at.header();
            if (h.fortranOrder() && h.shape().length > 1) {
                return null;
            }
            checkFeatureShape(h.shape(), source);
            long expected = (long) h.count() * h.dtype().size();
            long data = length - at.dataOffset();
            if (data < expected) {
                throw DataFiles.error(source, "truncated: expected " + expected
                        + " bytes of data after the header, found " + Math.max(0, data));
            }
            if (data > expected) {
                throw DataFiles.error(source, "trailing garbage: " + (data - expected) + " bytes after the " + expected
                        + " bytes of data the header announces");
            }
            return new Layout(source, h.dtype().descr(), h.shape(), at.dataOffset());
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
        Dtype t = Dtype.parse(layout.source(), layout.descr());
        long rowBytes = layout.rowBytes();
        if (bytes.length % rowBytes != 0 || firstRow < 0 || firstRow + bytes.length / rowBytes > layout.rows()) {
            throw new IllegalArgumentException(bytes.length + " bytes from row " + firstRow + " are not whole rows of "
                    + layout.source());
        }
        int[] shape = layout.shape().clone();
        shape[0] = (int) (bytes.length / rowBytes);
        Header h = new Header(t, false, shape, bytes.length / t.size());
        return decode(layout.source(), h, bytes, firstRow).values();
    }

    /**
     * The labels of a features file of {@code rows} rows, read from a {@code .npy} stream with
     * {@link #readLabelled}'s checks and messages, for a reader that reads the features in ranges.
     */
    public static int[] readLabels(InputStream in, String labelsSource, String featuresSource, int rows) {
        return checkedLabels(read(in, labelsSource), labelsSource, featuresSource, rows);
    }

    private static void checkFeatureShape(int[] shape, String features) {
        if (shape.length < 1) {
            throw DataFiles.error(features, "holds a scalar; expected an array whose first dimension counts rows");
        }
        if (shape[0] == 0) {
            throw DataFiles.error(features, "holds no rows (shape " + shapeText(shape) + ")");
        }
        for (int i = 1; i < shape.length; i++) {
            if (shape[i] == 0) {
                throw DataFiles.error(features, "shape " + shapeText(shape) + " leaves each row empty");
            }
        }
    }

    private static int[] checkedLabels(NpyArray y, String labels, String features, int rows) {
        if (y.rank() != 1) {
            throw DataFiles.error(labels, "labels must be a 1-D array, found shape " + shapeText(y.shape()));
        }
        if (y.count() != rows) {
            throw new DataException(DataFiles.oneLine("label/feature count mismatch: " + features + " holds " + rows
                    + " rows but " + labels + " holds " + y.count() + " labels"));
        }
        return labelValues(labels, y);
    }

    /**
     * Reads a features array and a labels array into a dataset whose ids are the row numbers.
     *
     * <p>Features: the first dimension counts rows and the rest are the sample shape (a 1-D array is
     * rows of one value). Labels: a 1-D integer array, or a float array whose values are all
     * integral, non-negative and as many as the feature rows.
     */
    public static Dataset readLabelled(Path features, Path labels, String name) {
        return labelled(read(features), features.toString(), () -> read(labels), labels.toString(), name);
    }

    /**
     * {@link #readLabelled(Path, Path, String)} on streams (gzip-compressed or plain), for files
     * that are not on the local file system: the same checks and messages, which name
     * {@code featuresSource} and {@code labelsSource}. The streams are not closed.
     */
    public static Dataset readLabelled(InputStream features, String featuresSource, InputStream labels,
                                       String labelsSource, String name) {
        return labelled(read(features, featuresSource), featuresSource, () -> read(labels, labelsSource),
                labelsSource, name);
    }

    private static Dataset labelled(NpyArray x, String features, Supplier<NpyArray> readLabels, String labels,
                                    String name) {
        int[] shape = x.shape();
        checkFeatureShape(shape, features);
        int[] sampleShape = shape.length == 1 ? new int[] {1} : Arrays.copyOfRange(shape, 1, shape.length);
        return Dataset.withRowIds(name, checkedLabels(readLabels.get(), labels, features, shape[0]), x.values(),
                sampleShape);
    }

    private static int[] labelValues(String file, NpyArray y) {
        int[] out = new int[y.count()];
        if (y.isInteger()) {
            long[] longs = y.longValues();
            for (int i = 0; i < longs.length; i++) {
                if (longs[i] < 0 || longs[i] > Integer.MAX_VALUE) {
                    throw DataFiles.error(file, "label " + longs[i] + " at row " + i + " is not a non-negative int");
                }
                out[i] = (int) longs[i];
            }
            return out;
        }
        float[] values = y.values();
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            if (v != Math.rint(v) || v < 0 || v > Integer.MAX_VALUE) {
                throw DataFiles.error(file, "label " + v + " at row " + i + " is not a non-negative integer");
            }
            out[i] = (int) v;
        }
        return out;
    }

    private static NpyArray decode(String file, Header h, byte[] data, long rowBase) {
        Dtype t = h.dtype();
        ByteBuffer buf = ByteBuffer.wrap(data).order(t.order());
        int n = h.count();
        float[] values = new float[n];
        long[] exact = null;
        switch (t.kind()) {
            case 'f' -> {
                if (t.size() == 4) {
                    buf.asFloatBuffer().get(values);
                    for (int i = 0; i < n; i++) {
                        if (!Float.isFinite(values[i])) {
                            throw nonFinite(file, h, i, values[i], rowBase);
                        }
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        double d = buf.getDouble(8 * i);
                        if (!Double.isFinite(d)) {
                            throw nonFinite(file, h, i, d, rowBase);
                        }
                        values[i] = (float) d;
                        if (Float.isInfinite(values[i])) {
                            throw DataFiles.error(file, "row "
                                    + (rowBase + DataFiles.rowOf(i, h.shape(), h.fortranOrder()))
                                    + " holds " + d + ", outside the float range");
                        }
                    }
                }
            }
            case 'i', 'u', 'b' -> {
                boolean unsigned = t.kind() != 'i';
                switch (t.size()) {
                    case 1 -> {
                        for (int i = 0; i < n; i++) {
                            values[i] = unsigned ? data[i] & 0xFF : data[i];
                        }
                    }
                    case 2 -> {
                        for (int i = 0; i < n; i++) {
                            short s = buf.getShort(2 * i);
                            values[i] = unsigned ? s & 0xFFFF : s;
                        }
                    }
                    case 4 -> {
                        exact = new long[n];
                        for (int i = 0; i < n; i++) {
                            int v = buf.getInt(4 * i);
                            exact[i] = unsigned ? v & 0xFFFFFFFFL : v;
                            values[i] = exact[i];
                        }
                    }
                    default -> {
                        exact = new long[n];
                        buf.asLongBuffer().get(exact);
                        for (int i = 0; i < n; i++) {
                            long v = exact[i];
                            values[i] = unsigned && v < 0 ? ((v >>> 1) | (v & 1)) * 2f : v;
                        }
                    }
                }
            }
            default -> throw new IllegalStateException("unreachable dtype " + t.descr());
        }
        if (h.fortranOrder() && h.shape().length > 1) {
            int[] order = fortranToC(h.shape());
            values = permute(values, order);
            if (exact != null) {
                exact = permute(exact, order);
            }
        }
        return new NpyArray(file.toString(), h.shape(), t.descr(), t.kind() != 'f', values, exact);
    }

    private static DataException nonFinite(String file, Header h, int index, double v, long rowBase) {
        return DataFiles.error(file, "row " + (rowBase + DataFiles.rowOf(index, h.shape(), h.fortranOrder()))
                + " holds a non-finite value (" + DataFiles.describeNonFinite(v) + ")");
    }

    /** For each C-order position, the position of the same element in Fortran order. */
    private static int[] fortranToC(int[] shape) {
        int rank = shape.length;
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        int[] order = new int[n];
        if (n == 0) {
            return order;
        }
        int[] stride = new int[rank];
        stride[0] = 1;
        for (int j = 1; j < rank; j++) {
            stride[j] = stride[j - 1] * shape[j - 1];
        }
        int[] index = new int[rank];
        int f = 0;
        for (int c = 0; c < n; c++) {
            order[c] = f;
            int j = rank - 1;
            index[j]++;
            f += stride[j];
            while (j > 0 && index[j] == shape[j]) {
                f -= shape[j] * stride[j];
                index[j] = 0;
                j--;
                index[j]++;
                f += stride[j];
            }
        }
        return order;
    }

    private static float[] permute(float[] in, int[] order) {
        float[] out = new float[in.length];
        for (int c = 0; c < out.length; c++) {
            out[c] = in[order[c]];
        }
        return out;
    }

    private static long[] permute(long[] in, int[] order) {
        long[] out = new long[in.length];
        for (int c = 0; c < out.length; c++) {
            out[c] = in[order[c]];
        }
        return out;
    }

    static String shapeText(int[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /** An element type: kind 'f', 'i', 'u' or 'b', its size in bytes and its byte order. */
    private record Dtype(String descr, char kind, int size, ByteOrder order) {
        static Dtype parse(String file, Object descr) {
            if (descr instanceof List<?>) {
                throw DataFiles.error(file, "structured dtypes are not supported (descr " + descr + "); " + SUPPORTED);
            }
            if (!(descr instanceof String s)) {
                throw DataFiles.error(file, "malformed header: 'descr' is " + descr + ", expected a dtype string");
            }
            if (s.length() >= 2 && s.charAt(1) == 'O') {
                throw DataFiles.error(file, "object arrays are not supported (dtype '" + s
                        + "'); save a numeric array instead");
            }
            DataException unsupported = DataFiles.error(file, "unsupported dtype '" + s + "'; " + SUPPORTED);
            if (s.length() < 3 || "<>|=".indexOf(s.charAt(0)) < 0) {
                throw unsupported;
            }
            char kind = s.charAt(1);
            int size;
            try {
                size = Integer.parseInt(s.substring(2));
            } catch (NumberFormatException e) {
                throw unsupported;
            }
            boolean ok = switch (kind) {
                case 'f' -> size == 4 || size == 8;
                case 'i', 'u' -> size == 1 || size == 2 || size == 4 || size == 8;
                case 'b' -> size == 1;
                default -> false;
            };
            if (!ok || (s.charAt(0) == '|' && size > 1)) {
                throw unsupported;
            }
            ByteOrder order = switch (s.charAt(0)) {
                case '>' -> ByteOrder.BIG_ENDIAN;
                case '=' -> ByteOrder.nativeOrder();
                default -> ByteOrder.LITTLE_ENDIAN;
            };
            return new Dtype(s, kind, size, order);
        }
    }

    /** The parsed header dictionary. */
    private record Header(Dtype dtype, boolean fortranOrder, int[] shape, int count) {
        static Header parse(String file, String text) {
            Object parsed = new Literal(file, text).document();
            if (!(parsed instanceof Map<?, ?> dict)) {
                throw DataFiles.error(file, "malformed header: expected a dictionary, found " + abbreviate(text));
            }
            for (String key : List.of("descr", "fortran_order", "shape")) {
                if (!dict.containsKey(key)) {
                    throw DataFiles.error(file, "malformed header: no '" + key + "' key in " + abbreviate(text));
                }
            }
            Dtype dtype = Dtype.parse(file, dict.get("descr"));
            if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
                throw DataFiles.error(file, "malformed header: 'fortran_order' is " + dict.get("fortran_order")
                        + ", expected True or False");
            }
            if (!(dict.get("shape") instanceof List<?> dims)) {
                throw DataFiles.error(file, "malformed header: 'shape' is " + dict.get("shape") + ", expected a tuple");
            }
            int[] shape = new int[dims.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                if (!(dims.get(i) instanceof Long d) || d < 0) {
                    throw DataFiles.error(file, "malformed header: shape " + dims
                            + " is not a tuple of non-negative integers");
                }
                if (d > Integer.MAX_VALUE || (count *= d) > Integer.MAX_VALUE) {
                    throw DataFiles.error(file, "shape " + dims + " holds more values than one array can");
                }
                shape[i] = (int) (long) d;
            }
            return new Header(dtype, fortran, shape, (int) count);
        }

        private static String abbreviate(String text) {
            String t = text.strip();
            return t.length() > 80 ? t.substring(0, 77) + "..." : t;
        }
    }

    /**
     * The subset of Python literal syntax the header uses: dictionaries, tuples, lists, quoted
     * strings, integers (with an optional legacy 'L' suffix), True, False and None.
     */
    private static final class Literal {
        private final String file;
        private final String text;
        private int pos;

        Literal(String file, String text) {
            this.file = file;
            this.text = text;
        }

        Object document() {
            Object value = value();
            skipSpace();
            if (pos < text.length()) {
                throw malformed("unexpected '" + text.charAt(pos) + "' after the dictionary");
            }
            return value;
        }

        private Object value() {
            skipSpace();
            if (pos >= text.length()) {
                throw malformed("unexpected end");
            }
            char c = text.charAt(pos);
            if (c == '{') {
                return dict();
            }
            if (c == '(') {
                return sequence('(', ')');
            }
            if (c == '[') {
                return sequence('[', ']');
            }
            if (c == '\'' || c == '"') {
                return string();
            }
            if (c == '-' || c == '+' || Character.isDigit(c)) {
                return integer();
            }
            if (Character.isLetter(c)) {
                int start = pos;
                while (pos < text.length() && Character.isLetterOrDigit(text.charAt(pos))) {
                    pos++;
                }
                String word = text.substring(start, pos);
                return switch (word) {
                    case "True" -> Boolean.TRUE;
                    case "False" -> Boolean.FALSE;
                    case "None" -> null;
                    default -> throw malformed("unexpected word '" + word + "'");
                };
            }
            throw malformed("unexpected '" + c + "'");
        }

        private Map<Object, Object> dict() {
            Map<Object, Object> map = new LinkedHashMap<>();
            pos++;
            while (true) {
                skipSpace();
                if (peek() == '}') {
                    pos++;
                    return map;
                }
                Object key = value();
                skipSpace();
                expect(':');
                map.put(key, value());
                skipSpace();
                if (peek() == ',') {
                    pos++;
                } else if (peek() != '}') {
                    throw malformed("expected ',' or '}'");
                }
            }
        }

        private List<Object> sequence(char open, char close) {
            List<Object> list = new ArrayList<>();
            pos++;
            while (true) {
                skipSpace();
                if (peek() == close) {
                    pos++;
                    return list;
                }
                list.add(value());
                skipSpace();
                if (peek() == ',') {
                    pos++;
                } else if (peek() != close) {
                    throw malformed("expected ',' or '" + close + "' in a " + (open == '(' ? "tuple" : "list"));
                }
            }
        }

        private String string() {
            char quote = text.charAt(pos++);
            StringBuilder sb = new StringBuilder();
            while (pos < text.length() && text.charAt(pos) != quote) {
                char c = text.charAt(pos++);
                if (c == '\\' && pos < text.length()) {
                    c = text.charAt(pos++);
                }
                sb.append(c);
            }
            if (pos >= text.length()) {
                throw malformed("unterminated string");
            }
            pos++;
            return sb.toString();
        }

        private Long integer() {
            int start = pos;
            if (text.charAt(pos) == '-' || text.charAt(pos) == '+') {
                pos++;
            }
            while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                pos++;
            }
            String digits = text.substring(start, pos);
            if (pos < text.length() && (text.charAt(pos) == 'L' || text.charAt(pos) == 'l')) {
                pos++;
            }
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw malformed("bad integer '" + digits + "'");
            }
        }

        private char peek() {
            if (pos >= text.length()) {
                throw malformed("unexpected end");
            }
            return text.charAt(pos);
        }

        private void expect(char c) {
            if (peek() != c) {
                throw malformed("expected '" + c + "'");
            }
            pos++;
        }

        private void skipSpace() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
        }

        private DataException malformed(String what) {
            return DataFiles.error(file, "malformed header: " + what + " at character " + pos);
        }
    }
}
