package org.legonet.core.data;

/**
 * How to read a CSV file: which column holds the label, which (if any) holds the id, and the
 * delimiter.
 *
 * <p>A column is named by its header name or by its 0-based index written as a number; when the
 * file has a header and one of its names equals the text given, the name wins. With no label
 * column given, a column named "label" (any case) is the label if the header has one, else column
 * 0. With no id column, ids are the 0-based data row numbers.
 *
 * @param labelColumn the label column's name or index, or null for the default
 * @param idColumn    the id column's name or index, or null for row-number ids
 * @param delimiter   the cell separator; not a quote, a line break or a space
 */
public record CsvOptions(String labelColumn, String idColumn, char delimiter) {
    /** Default label column, row-number ids, comma-separated. */
    public static final CsvOptions DEFAULTS = new CsvOptions(null, null, ',');

    public CsvOptions {
        if (delimiter == '"' || delimiter == '\n' || delimiter == '\r' || delimiter == ' ') {
            throw new IllegalArgumentException("unusable CSV delimiter '" + delimiter + "'");
        }
        labelColumn = blankToNull(labelColumn);
        idColumn = blankToNull(idColumn);
    }

    /** These options with the label in {@code column} (a header name or a 0-based index). */
    public CsvOptions withLabelColumn(String column) {
        return new CsvOptions(column, idColumn, delimiter);
    }

    /** These options with ids taken from {@code column} (a header name or a 0-based index). */
    public CsvOptions withIdColumn(String column) {
        return new CsvOptions(labelColumn, column, delimiter);
    }

    /** These options with cells separated by {@code separator}. */
    public CsvOptions withDelimiter(char separator) {
        return new CsvOptions(labelColumn, idColumn, separator);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
