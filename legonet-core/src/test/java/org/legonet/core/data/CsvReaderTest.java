package org.legonet.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.legonet.core.data.DataErrors.assertOneLineError;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvReaderTest {
    @TempDir
    Path dir;

    @Test
    void readsAHeaderWithALabelColumnAnywhere() throws IOException {
        Path file = write("t.csv", """
                a,label,b
                1.5,2,-3
                0,0,1e2
                """);

        Dataset d = CsvReader.read(file, CsvOptions.DEFAULTS);

        assertThat(d.name()).isEqualTo("t.csv");
        assertThat(d.size()).isEqualTo(2);
        assertThat(d.sampleShape()).containsExactly(2);
        assertThat(d.ids()).containsExactly(0, 1);
        assertThat(d.labels()).containsExactly(2, 0);
        assertThat(new float[] {d.feature(0, 0), d.feature(0, 1), d.feature(1, 0), d.feature(1, 1)})
                .containsExactly(1.5f, -3f, 0f, 100f);
    }

    @Test
    void withoutAHeaderTheLabelIsColumnZero() throws IOException {
        Path file = write("t.csv", "3,0.25,0.5\n1,1,2\n");

        Dataset d = CsvReader.read(file, null);

        assertThat(d.labels()).containsExactly(3, 1);
        assertThat(d.feature(0, 0)).isEqualTo(0.25f);
        assertThat(d.feature(1, 1)).isEqualTo(2f);
    }

    @Test
    void takesIdsAndLabelsFromNamedOrNumberedColumns() throws IOException {
        Path file = write("t.csv", """
                id,x,y,class
                10,1,2,3.0
                -4,5,6,0
                """);

        Dataset byName = CsvReader.read(file, CsvOptions.DEFAULTS.withIdColumn("id").withLabelColumn("class"));
        Dataset byIndex = CsvReader.read(file, CsvOptions.DEFAULTS.withIdColumn("0").withLabelColumn("3"));

        for (Dataset d : new Dataset[] {byName, byIndex}) {
            assertThat(d.ids()).containsExactly(10, -4);
            assertThat(d.labels()).containsExactly(3, 0);
            assertThat(d.sampleShape()).containsExactly(2);
            assertThat(d.feature(1, 0)).isEqualTo(5f);
        }
    }

    @Test
    void parsesQuotedCellsWithEscapedQuotesAndDelimiters() throws IOException {
        Path file = write("q.csv", "\"label\",\"pixel, \"\"first\"\"\",\"second\"\n"
                + "\"1\",\" 2.5 \",3\n"
                + "0 , \"4\" ,  5 \n");

        Dataset d = CsvReader.read(file, CsvOptions.DEFAULTS);

        assertThat(d.labels()).containsExactly(1, 0);
        assertThat(new float[] {d.feature(0, 0), d.feature(0, 1), d.feature(1, 0), d.feature(1, 1)})
                .containsExactly(2.5f, 3f, 4f, 5f);
    }

    @Test
    void skipsBlankLinesAndHandlesOtherDelimitersAndLineEndings() throws IOException {
        Path file = write("s.csv", "label;x\r\n\r\n   \r\n1;2\r\n2;3");

        Dataset d = CsvReader.read(file, CsvOptions.DEFAULTS.withDelimiter(';'));

        assertThat(d.labels()).containsExactly(1, 2);
        assertThat(d.feature(1, 0)).isEqualTo(3f);
    }

    @Test
    void raggedRowsNameTheLine() throws IOException {
        Path file = write("r.csv", "label,a,b\n1,2,3\n\n0,1\n");

        assertOneLineError(() -> CsvReader.read(file, null), file.toString(), "line 4 has 2 cells, the header has 3");
    }

    @Test
    void raggedRowsWithoutAHeader() throws IOException {
        Path file = write("r.csv", "1,2,3\n0,1,2,3\n");

        assertOneLineError(() -> CsvReader.read(file, null), "line 2 has 4 cells, the first line has 3");
    }

    @Test
    void nonNumericAndNonFiniteFeaturesNameLineAndColumn() throws IOException {
        Path text = write("a.csv", "label,a,b\n1,2,3\n1,x7,3\n");
        Path nan = write("b.csv", "label,a,b\n1,2,NaN\n");
        Path inf = write("c.csv", "1,-inf\n");
        Path huge = write("d.csv", "1,1e40\n");
        Path empty = write("e.csv", "label,a\n1,\n");

        assertOneLineError(() -> CsvReader.read(text, null), text.toString(), "line 3", "column 'a' (index 1)",
                "'x7' is not a number");
        assertOneLineError(() -> CsvReader.read(nan, null), "line 2", "column 'b' (index 2)", "'NaN' is not a finite");
        assertOneLineError(() -> CsvReader.read(inf, null), "line 1", "column 1", "'-inf' is not a finite");
        assertOneLineError(() -> CsvReader.read(huge, null), "line 1", "column 1", "outside the float range");
        assertOneLineError(() -> CsvReader.read(empty, null), "line 2", "column 'a' (index 1)", "empty cell");
    }

    @Test
    void labelsMustBeNonNegativeIntegers() throws IOException {
        for (String bad : new String[] {"3.5", "cat", "-1", "", "nan"}) {
            Path file = write("l.csv", "label,x\n1,0\n" + bad + ",1\n");

            assertOneLineError(() -> CsvReader.read(file, null), file.toString(), "line 3",
                    "column 'label' (index 0)", "label '" + bad + "' is not a non-negative integer");
        }
    }

    @Test
    void idsMustBeUniqueIntegers() throws IOException {
        Path duplicate = write("d.csv", "id,label,x\n5,0,1\n6,0,1\n5,1,1\n");
        Path fractional = write("f.csv", "id,label,x\n5.5,0,1\n");

        assertOneLineError(() -> CsvReader.read(duplicate, CsvOptions.DEFAULTS.withIdColumn("id")),
                duplicate.toString(), "line 4", "duplicate id 5", "already on line 2");
        assertOneLineError(() -> CsvReader.read(fractional, CsvOptions.DEFAULTS.withIdColumn("id")),
                "line 2", "column 'id' (index 0)", "id '5.5' is not an integer");
    }

    @Test
    void needsDataRows() throws IOException {
        Path headerOnly = write("h.csv", "label,x\n\n");
        Path empty = write("e.csv", "");

        assertOneLineError(() -> CsvReader.read(headerOnly, null), headerOnly.toString(), "no data rows");
        assertOneLineError(() -> CsvReader.read(empty, null), empty.toString(), "no data rows");
    }

    @Test
    void unknownColumns() throws IOException {
        Path file = write("u.csv", "label,x,y\n1,2,3\n");
        Path numeric = write("n.csv", "1,2,3\n");

        assertOneLineError(() -> CsvReader.read(file, CsvOptions.DEFAULTS.withLabelColumn("target")),
                file.toString(), "unknown label column 'target'", "'label', 'x', 'y'");
        assertOneLineError(() -> CsvReader.read(file, CsvOptions.DEFAULTS.withIdColumn("7")),
                "unknown id column index 7", "3 columns");
        assertOneLineError(() -> CsvReader.read(numeric, CsvOptions.DEFAULTS.withLabelColumn("class")),
                "unknown label column 'class'", "no header line");
        assertOneLineError(() -> CsvReader.read(file, CsvOptions.DEFAULTS.withIdColumn("label")),
                "the label and id columns are the same");
    }

    @Test
    void unclosedQuoteNamesItsLine() throws IOException {
        Path file = write("q.csv", "label,x\n1,2\n0,\"3\n");

        assertOneLineError(() -> CsvReader.read(file, null), file.toString(), "line 3", "never closed");
    }

    @Test
    void missingFile() {
        Path file = dir.resolve("absent.csv");

        assertOneLineError(() -> CsvReader.read(file, null), file.toString(), "no such file");
    }

    private Path write(String name, String content) throws IOException {
        return Files.write(dir.resolve(name), content.getBytes(StandardCharsets.UTF_8));
    }
}
