package org.legonet.core.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
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

    /**
     * Core's CSV rules one line at a time, for an engine that reads a file's lines in parallel (such
     * as Spark): the columns are resolved from the file's first non-blank record exactly as
     * {@link #read} resolves them, and each line is parsed with {@link #read}'s checks and messages.
     * Each line is one record here, so a quoted cell must close on its own line. Whole-file rules are
     * the caller's: numbering the data rows (the ids when there is no id column), refusing a
     * duplicate id ({@link #duplicateId}) and a file with no data rows ({@link #noDataRows}).
     */
    public static final class Lines {
        private final Parse parse;
        private final String[] firstRecord;
        private final long firstLine;

        private Lines(String source, CsvOptions options, String[] firstRecord, long firstLine) {
            this.parse = new Parse(source, null, options == null ? CsvOptions.DEFAULTS : options, null, true);
            this.firstRecord = firstRecord.clone();
            this.firstLine = firstLine;
            parse.start(this.firstRecord);
        }

        /**
         * The lines of the file whose beginning {@code in} reads (gzip-compressed or plain): reads
         * its first non-blank record and resolves the columns; {@code source} (a path or URI) is
         * what messages name.
         */
        public static Lines start(InputStream in, String source, CsvOptions options) {
            CsvOptions opts = options == null ? CsvOptions.DEFAULTS : options;
            try {
                Records records = new Records(source, new InputStreamReader(DataFiles.decompressing(in),
                        StandardCharsets.UTF_8), opts.delimiter());
                String[] first = records.next();
                if (first == null) {
                    throw DataFiles.error(source, "no data rows (the file is empty)");
                }
                first[0] = first[0].replace("\uFEFF", "").strip();
                return new Lines(source, opts, first, records.recordLine());
            } catch (IOException e) {
                throw DataFiles.ioError(source, e);
            }
        }

        /**
         * The lines of a file whose first record {@link #start} found: how another JVM rebuilds
         * them from {@link #firstRecord} and {@link #firstLine}.
         */
        public static Lines of(String source, CsvOptions options, String[] firstRecord, long firstLine) {
            return new Lines(source, options, firstRecord, firstLine);
        }

        /** The cells of the file's first non-blank record (a header or the first data row). */
        public String[] firstRecord() {
            return firstRecord.clone();
        }

        /** The 1-based line that record is on. */
        public long firstLine() {
            return firstLine;
        }

        /** Whether the first record is a header. */
        public boolean hasHeader() {
            return parse.header;
        }

        /** Whether ids come from a column (else they are the 0-based data row numbers). */
        public boolean hasIdColumn() {
            return parse.idColumn >= 0;
        }

        /** The number of feature columns. */
        public int featureCount() {
            return parse.featureColumns.length;
        }

        /**
         * Line {@code lineNumber} (1-based, without its line break) as a data row, or null when it is
         * blank or the header.
         *
         * @throws DataException as {@link #read} would for that line
         */
        public Row parse(String line, long lineNumber) {
            String[] cells;
            if (lineNumber == firstLine) {
                if (parse.header) {
                    return null;
                }
                cells = firstRecord;
            } else {
                try {
                    cells = new Records(parse.file, new StringReader(line), parse.options.delimiter(),
                            lineNumber, Math.max(16, line.length())).next();
                } catch (IOException e) {
                    throw new IllegalStateException("reading a string failed", e);
                }
                if (cells == null) {
                    return null;
                }
            }
            parse.checkCellCount(cells, lineNumber);
            return parse.row(cells, lineNumber);
        }

        /** The error {@link #read} gives for {@code id} on {@code line}, already on {@code earlierLine}. */
        public DataException duplicateId(long id, long line, long earlierLine) {
            return parse.duplicateId(id, line, earlierLine);
        }

        /** The error {@link #read} gives for a file with no data rows. */
        public DataException noDataRows() {
            return DataFiles.error(parse.file, parse.header ? "no data rows (the file holds only a header)"
                    : "no data rows (the file is empty)");
        }

        /**
         * One data row.
         *
         * @param id       the id column's value, or -1 without an id column
         * @param label    the label
         * @param features the feature columns' values
         */
        public record Row(long id, int label, float[] features) {
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
        private boolean header;
        private int columns;
        private int labelColumn;
        private int idColumn = -1;
        private int[] featureColumns;

        private long[] ids = new long[1024];
        private int[] labels = new int[1024];
        private float[] features;
        private int rows;
        private final Map<Long, Long> lineOfId = new HashMap<>();

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
            long firstLine = records.recordLine();
            start(first);
            int firstRows = Math.max(1, Math.min(1024, (1 << 20) / featureColumns.length));
            features = new float[firstRows * featureColumns.length];

            String[] row = header ? records.next() : first;
            long line = header ? records.recordLine() : firstLine;
            while (row != null) {
                checkCellCount(row, line);
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

        /** Resolves the columns from the file's first record (BOM already removed): a header or a data row. */
        void start(String[] first) {
            columns = first.length;
            header = Arrays.stream(first).anyMatch(c -> !c.isEmpty() && !Numbers.isNumber(c));
            names = header ? first : null;
            resolveColumns();
        }

        void checkCellCount(String[] row, long line) {
            if (row.length != columns) {
                throw lineError(line, "has " + row.length + " cells, "
                        + (header ? "the header has " : "the first line has ") + columns);
            }
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

        private void addRow(String[] row, long line) {
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
                Long earlier = lineOfId.put(id, line);
                if (earlier != null) {
                    throw duplicateId(id, line, earlier);
                }
                ids[rows] = id;
            } else {
                ids[rows] = rows;
            }
            rows++;
        }

        /** Line {@code line}'s cells (as many as the columns) as a data row of a labelled file. */
        Lines.Row row(String[] cells, long line) {
            float[] x = new float[featureColumns.length];
            for (int k = 0; k < x.length; k++) {
                x[k] = feature(cells[featureColumns[k]], line, featureColumns[k]);
            }
            int label = labelColumn >= 0 ? label(cells[labelColumn], line) : 0;
            long id = idColumn >= 0 ? id(cells[idColumn], line) : -1;
            return new Lines.Row(id, label, x);
        }

        DataException duplicateId(long id, long line, long earlier) {
            return lineError(line, "duplicate id " + id + " in " + describe(idColumn) + ", already on line " + earlier);
        }

        private float feature(String cell, long line, int column) {
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

        private int label(String cell, long line) {
            long v = Numbers.integral(cell, Integer.MAX_VALUE);
            if (v < 0) {
                throw cellError(line, labelColumn, "label '" + cell + "' is not a non-negative integer");
            }
            return (int) v;
        }

        private long id(String cell, long line) {
            long v = Numbers.integral(cell, Long.MAX_VALUE);
            if (v == Long.MIN_VALUE) {
                throw cellError(line, idColumn, "id '" + cell + "' is not an integer");
            }
            return v;
        }

        private String describe(int column) {
            return names != null ? "column '" + names[column] + "' (index " + column + ")" : "column " + column;
        }

        private DataException lineError(long line, String problem) {
            return DataFiles.error(file, "line " + line + " " + problem);
        }

        private DataException cellError(long line, int column, String problem) {
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
        private final char[] buffer;
        private int length;
        private int position;
        private long line;
        private long recordLine;
        private final StringBuilder cell = new StringBuilder();
        private final List<String> cells = new ArrayList<>();

        Records(String file, Reader reader, char delimiter) {
            this(file, reader, delimiter, 1, DataFiles.BUFFER);
        }

        /** Records of a text whose first line is line {@code firstLine} of the file, read {@code buffer} chars at a time. */
        Records(String file, Reader reader, char delimiter, long firstLine, int buffer) {
            this.file = file;
            this.reader = reader;
            this.delimiter = delimiter;
            this.line = firstLine;
            this.recordLine = firstLine;
            this.buffer = new char[buffer];
        }

        /** The 1-based line the record last returned by {@link #next} starts on. */
        long recordLine() {
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
            long startLine = line;
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
