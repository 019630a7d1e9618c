package org.legonet.core.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a labelled table from a CSV file: one sample per line, one label column, optionally one id
 * column, every other column a numeric feature.
 *
 * <p>The first non-blank line is a header when any of its cells is not a number. Cells may be
 * quoted ({@code "a,b"}, with {@code ""} for a quote inside); whitespace around cells, and around a
 * quoted cell's content, is trimmed, and blank lines are skipped. Labels must be non-negative integers ("3" or "3.0"), ids (when an id
 * column is given) unique integers, features finite numbers. Every problem is a
 * {@link DataException} whose one-line message names the file, the 1-based line and the column.
 */
public final class CsvReader {
    private CsvReader() {
    }

    /**
     * Reads {@code file} into a dataset named after the file, with sample shape {@code {number of
     * feature columns}}.
     *
     * @param options the label and id columns and the delimiter; null means {@link CsvOptions#DEFAULTS}
     */
    public static Dataset read(Path file, CsvOptions options) {
        CsvOptions opts = options == null ? CsvOptions.DEFAULTS : options;
        try (InputStream in = DataFiles.open(file);
             Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            return new Parse(file.toString(), file.getFileName().toString(), opts,
                    new Records(file.toString(), reader, opts.delimiter()), true).run();
        } catch (IOException e) {
            throw DataFiles.ioError(file, e);
        }
    }

    /**
     * {@link #read(Path, CsvOptions)} on a stream (gzip-compressed or plain), for files that are
     * not on the local file system: the same rules and messages, which name {@code source} (a path
     * or URI); the dataset is named {@code name}. The stream is read to its end, not closed.
     */
    public static Dataset read(InputStream in, String source, String name, CsvOptions options) {
        CsvOptions opts = options == null ? CsvOptions.DEFAULTS : options;
        try {
            Reader reader = new InputStreamReader(DataFiles.decompressing(in), StandardCharsets.UTF_8);
            return new Parse(source, name, opts, new Records(source, reader, opts.delimiter()), true).run();
        } catch (IOException e) {
            throw DataFiles.ioError(source, e);
        }
    }

    /**
     * Reads feature rows without labels (for prediction): every column is a feature except the id
     * column and, when {@code options} names one, the label column (skipped). Labels are all 0.
     */
    public static Dataset readUnlabelled(Path file, CsvOptions options) {
        CsvOptions opts = options == null ? CsvOptions.DEFAULTS : options;
        try (InputStream in = DataFiles.open(file);
             Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            return new Parse(file.toString(), file.getFileName().toString(), opts,
                    new Records(file.toString(), reader, opts.delimiter()), false).run();
        } catch (IOException e) {
            throw DataFiles.ioError(file, e);
        }
    }

    /** One pass over the records, collecting ids, labels and features. */
    private static final class Parse {
        private final String file;
        private final String name;
        private final CsvOptions options;
        private final Records records;
        private final boolean labelled;
        private String[] names;
        private int columns;
        private int labelColumn;
        private int idColumn = -1;
        private int[] featureColumns;

        private long[] ids = new long[1024];
        private int[] labels = new int[1024];
        private float[] features;
        private int rows;
        private final Map<Long, Integer> lineOfId = new HashMap<>();

        Parse(String file, String name, CsvOptions options, Records records, boolean labelled) {
            this.file = file;
            this.name = name;
            this.options = options;
            this.records = records;
            this.labelled = labelled;
        }

        Dataset run() throws IOException {
            String[] first = records.next();
            if (first == null) {
                throw DataFiles.error(file, "no data rows (the file is empty)");
            }
            first[0] = first[0].replace("\uFEFF", "").strip();
            int firstLine = records.recordLine();
            columns = first.length;
            boolean header = Arrays.stream(first).anyMatch(c -> !c.isEmpty() && !Numbers.isNumber(c));
            names = header ? first : null;
            resolveColumns();
            int firstRows = Math.max(1, Math.min(1024, (1 << 20) / featureColumns.length));
            features = new float[firstRows * featureColumns.length];

            String[] row = header ? records.next() : first;
            int line = header ? records.recordLine() : firstLine;
            while (row != null) {
                if (row.length != columns) {
                    throw lineError(line, "has " + row.length + " cells, "
                            + (header ? "the header has " : "the first line has ") + columns);
                }
                addRow(row, line);
                row = records.next();
                line = records.recordLine();
            }
            if (rows == 0) {
                throw DataFiles.error(file, "no data rows (the file holds only a header)");
            }
            return new Dataset(name, Arrays.copyOf(ids, rows), Arrays.copyOf(labels, rows),
                    Arrays.copyOf(features, rows * featureColumns.length), new int[] {featureColumns.length});
        }

        private void resolveColumns() {
            if (options.labelColumn() != null) {
                labelColumn = resolve(options.labelColumn(), "label");
            } else if (!labelled) {
                labelColumn = -1;
            } else {
                labelColumn = 0;
                if (names != null) {
                    for (int i = 0; i < names.length; i++) {
                        if (names[i].equalsIgnoreCase("label")) {
                            labelColumn = i;
                            break;
                        }
                    }
                }
            }
            if (options.idColumn() != null) {
                idColumn = resolve(options.idColumn(), "id");
                if (idColumn == labelColumn) {
                    throw DataFiles.error(file, "the label and id columns are the same (" + describe(idColumn) + ")");
                }
            }
            featureColumns = new int[columns - (idColumn >= 0 ? 1 : 0) - (labelColumn >= 0 ? 1 : 0)];
            if (featureColumns.length == 0) {
                throw DataFiles.error(file, "no feature columns: the " + columns + " column(s) hold only the label"
                        + (idColumn >= 0 ? " and the id" : ""));
            }
            int k = 0;
            for (int i = 0; i < columns; i++) {
                if (i != labelColumn && i != idColumn) {
                    featureColumns[k++] = i;
                }
            }
        }

        private int resolve(String spec, String role) {
            if (names != null) {
                for (int i = 0; i < names.length; i++) {
                    if (names[i].equals(spec)) {
                        return i;
                    }
                }
            }
            if (spec.chars().allMatch(Character::isDigit)) {
                long index = spec.length() > 9 ? Long.MAX_VALUE : Long.parseLong(spec);
                if (index < columns) {
                    return (int) index;
                }
                throw DataFiles.error(file, "unknown " + role + " column index " + spec + ": the file has " + columns
                        + " columns (0.." + (columns - 1) + ")");
            }
            if (names == null) {
                throw DataFiles.error(file, "unknown " + role + " column '" + spec
                        + "': the file has no header line, so give the column's 0-based index");
            }
            throw DataFiles.error(file, "unknown " + role + " column '" + spec + "': the header has "
                    + listNames());
        }

        private String listNames() {
            int shown = Math.min(names.length, 12);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < shown; i++) {
                sb.append(i == 0 ? "'" : ", '").append(names[i]).append('\'');
            }
            if (shown < names.length) {
                sb.append(", ... (").append(names.length).append(" columns)");
            }
            return sb.toString();
        }

        private void addRow(String[] row, int line) {
            int dim = featureColumns.length;
            if (rows == labels.length) {
                int grown = Math.multiplyExact(labels.length, 2);
                labels = Arrays.copyOf(labels, grown);
                ids = Arrays.copyOf(ids, grown);
            }
            if ((long) (rows + 1) * dim > features.length) {
                long grown = Math.max((long) (rows + 1) * dim, 2L * features.length);
                if (grown > Integer.MAX_VALUE - 8) {
                    throw DataFiles.error(file, "line " + line + ": too many values for one array");
                }
                features = Arrays.copyOf(features, (int) grown);
            }
            int base = rows * dim;
            for (int k = 0; k < dim; k++) {
                features[base + k] = feature(row[featureColumns[k]], line, featureColumns[k]);
            }
            labels[rows] = labelColumn >= 0 && labelled ? label(row[labelColumn], line) : 0;
            if (idColumn >= 0) {
                long id = id(row[idColumn], line);
                Integer earlier = lineOfId.put(id, line);
                if (earlier != null) {
                    throw lineError(line, "duplicate id " + id + " in " + describe(idColumn) + ", already on line "
                            + earlier);
                }
                ids[rows] = id;
            } else {
                ids[rows] = rows;
            }
            rows++;
        }

        private float feature(String cell, int line, int column) {
            float v = Numbers.fastInt(cell);
            if (v == v) {
                return v;
            }
            if (cell.isEmpty()) {
                throw cellError(line, column, "empty cell, expected a number");
            }
            if (!Numbers.isNumber(cell)) {
                throw cellError(line, column, "'" + cell + "' is not a number");
            }
            v = Numbers.parse(cell);
            if (!Float.isFinite(v)) {
                throw cellError(line, column, Numbers.isSpecialWord(cell)
                        ? "'" + cell + "' is not a finite number"
                        : "'" + cell + "' is outside the float range");
            }
            return v;
        }

        private int label(String cell, int line) {
            long v = Numbers.integral(cell, Integer.MAX_VALUE);
            if (v < 0) {
                throw cellError(line, labelColumn, "label '" + cell + "' is not a non-negative integer");
            }
            return (int) v;
        }

        private long id(String cell, int line) {
            long v = Numbers.integral(cell, Long.MAX_VALUE);
            if (v == Long.MIN_VALUE) {
                throw cellError(line, idColumn, "id '" + cell + "' is not an integer");
            }
            return v;
        }

        private String describe(int column) {
            return names != null ? "column '" + names[column] + "' (index " + column + ")" : "column " + column;
        }

        private DataException lineError(int line, String problem) {
            return DataFiles.error(file, "line " + line + " " + problem);
        }

        private DataException cellError(int line, int column, String problem) {
            return DataFiles.error(file, "line " + line + ", " + describe(column) + ": " + problem);
        }
    }

    /** Strict number syntax (so a header word is never mistaken for a value) and fast parsing. */
    static final class Numbers {
        private Numbers() {
        }

        /**
         * The value of a plain integer of at most 9 digits (optionally signed), or NaN when the cell
         * is anything else: most feature cells are small integers, and this avoids the general parser.
         */
        static float fastInt(String s) {
            int n = s.length();
            int i = 0;
            boolean negative = false;
            if (n > 0 && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
                negative = s.charAt(0) == '-';
                i = 1;
            }
            if (i == n || n - i > 9) {
                return Float.NaN;
            }
            int v = 0;
            for (; i < n; i++) {
                int d = s.charAt(i) - '0';
                if (d < 0 || d > 9) {
                    return Float.NaN;
                }
                v = v * 10 + d;
            }
            return negative ? -v : v;
        }

        /** Decimal or scientific notation, or nan / inf / infinity (any case, optionally signed). */
        static boolean isNumber(String s) {
            int n = s.length();
            int i = 0;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            if (isSpecialWord(s)) {
                return true;
            }
            int digits = 0;
            while (i < n && Character.isDigit(s.charAt(i))) {
                i++;
                digits++;
            }
            if (i < n && s.charAt(i) == '.') {
                i++;
                while (i < n && Character.isDigit(s.charAt(i))) {
                    i++;
                    digits++;
                }
            }
            if (digits == 0) {
                return false;
            }
            if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
                i++;
                if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                    i++;
                }
                int expDigits = 0;
                while (i < n && Character.isDigit(s.charAt(i))) {
                    i++;
                    expDigits++;
                }
                if (expDigits == 0) {
                    return false;
                }
            }
            return i == n;
        }

        static boolean isSpecialWord(String s) {
            String t = s.startsWith("+") || s.startsWith("-") ? s.substring(1) : s;
            t = t.toLowerCase(Locale.ROOT);
            return t.equals("nan") || t.equals("inf") || t.equals("infinity");
        }

        /** Parses a cell that {@link #isNumber} accepted. */
        static float parse(String s) {
            if (isSpecialWord(s)) {
                String t = s.toLowerCase(Locale.ROOT);
                return t.contains("nan") ? Float.NaN
                        : t.startsWith("-") ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
            }
            return Float.parseFloat(s);
        }

        /**
         * The integer a cell denotes ("7", "7.0", "7e0") if it lies in {@code [0, max]} for labels or
         * fits a long for ids; otherwise -1 (when {@code max} is an int bound) or
         * {@code Long.MIN_VALUE} (when {@code max} is the long bound).
         */
        static long integral(String s, long max) {
            long invalid = max == Long.MAX_VALUE ? Long.MIN_VALUE : -1;
            if (!s.isEmpty() && s.length() <= 9 && s.chars().allMatch(Character::isDigit)) {
                return Integer.parseInt(s);
            }
            if (!isNumber(s) || isSpecialWord(s)) {
                return invalid;
            }
            try {
                BigDecimal d = new BigDecimal(s);
                if (d.precision() - d.scale() > 20) {
                    return invalid;
                }
                long v = d.longValueExact();
                if (max != Long.MAX_VALUE && (v < 0 || v > max)) {
                    return invalid;
                }
                return v;
            } catch (NumberFormatException | ArithmeticException e) {
                return invalid;
            }
        }
    }

    /**
     * Splits the text into records of trimmed cells, skipping blank lines. Quoted cells may hold the
     * delimiter, line breaks and doubled quotes.
     */
    private static final class Records {
        private final String file;
        private final Reader reader;
        private final char delimiter;
        private final char[] buffer = new char[DataFiles.BUFFER];
        private int length;
        private int position;
        private int line = 1;
        private int recordLine = 1;
        private final StringBuilder cell = new StringBuilder();
        private final List<String> cells = new ArrayList<>();

        Records(String file, Reader reader, char delimiter) {
            this.file = file;
            this.reader = reader;
            this.delimiter = delimiter;
        }

        /** The 1-based line the record last returned by {@link #next} starts on. */
        int recordLine() {
            return recordLine;
        }

        /** The next non-blank record, or null at the end of the file. */
        String[] next() throws IOException {
            cells.clear();
            recordLine = line;
            int c = read();
            if (c < 0) {
                return null;
            }
            boolean blank = true;
            while (true) {
                cell.setLength(0);
                while (isSpace(c)) {
                    c = read();
                }
                if (c == '"') {
                    blank = false;
                    c = quoted();
                    String content = cell.toString().strip();
                    cell.setLength(0);
                    cell.append(content);
                    while (isSpace(c)) {
                        c = read();
                    }
                    if (c >= 0 && c != delimiter && c != '\n' && c != '\r') {
                        throw DataFiles.error(file, "line " + line + ": unexpected '" + (char) c
                                + "' after the closing quote of a cell");
                    }
                } else {
                    while (c >= 0 && c != delimiter && c != '\n' && c != '\r') {
                        cell.append((char) c);
                        c = read();
                    }
                    int end = cell.length();
                    while (end > 0 && isSpace(cell.charAt(end - 1))) {
                        end--;
                    }
                    cell.setLength(end);
                    if (end > 0) {
                        blank = false;
                    }
                }
                cells.add(cell.toString());
                if (c == delimiter) {
                    blank = false;
                    c = read();
                    continue;
                }
                if (c == '\r') {
                    int after = read();
                    if (after >= 0 && after != '\n') {
                        position--;
                    }
                }
                if (c >= 0) {
                    line++;
                }
                if (!blank) {
                    return cells.toArray(new String[0]);
                }
                cells.clear();
                recordLine = line;
                c = read();
                if (c < 0) {
                    return null;
                }
            }
        }

        /** Reads a quoted cell into {@code cell}; returns the character after the closing quote. */
        private int quoted() throws IOException {
            int startLine = line;
            int previous = -1;
            while (true) {
                int c = read();
                if (c < 0) {
                    throw DataFiles.error(file, "line " + startLine + ": a quoted cell is never closed");
                }
                if (c == '"') {
                    int after = read();
                    if (after != '"') {
                        return after;
                    }
                } else if (c == '\r' || (c == '\n' && previous != '\r')) {
                    line++;
                }
                cell.append((char) c);
                previous = c;
            }
        }

        private boolean isSpace(int c) {
            return (c == ' ' || c == '\t') && c != delimiter;
        }

        private int read() throws IOException {
            if (position == length) {
                length = reader.read(buffer, 0, buffer.length);
                position = 0;
                if (length <= 0) {
                    length = 0;
                    return -1;
                }
            }
            return buffer[position++];
        }
    }
}
