package org.legonet.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.legonet.core.data.DataErrors.assertOneLineError;
import static org.legonet.core.data.DataErrors.gzip;
import static org.legonet.core.data.IdxReaderTest.bytes;
import static org.legonet.core.data.IdxReaderTest.idx;
import static org.legonet.core.data.NpyReaderTest.floats;
import static org.legonet.core.data.NpyReaderTest.npy;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataLoaderTest {
    @TempDir
    Path dir;

    @Test
    void readsAFashionMnistFolderWithItsTestSet() throws IOException {
        Path folder = tinyFashionMnist(dir.resolve("fm"));

        LoadedData data = DataLoader.load(DataSpec.of(folder));

        assertThat(data.fashionMnistLayout()).isTrue();
        assertThat(data.train().size()).isEqualTo(3);
        assertThat(data.train().sampleShape()).containsExactly(2, 2);
        assertThat(data.train().labels()).containsExactly(1, 0, 2);
        assertThat(data.test().size()).isEqualTo(2);
        assertThat(data.test().labels()).containsExactly(2, 2);
        assertThat(data.description()).contains(folder.toString(), "3 training samples of shape 2x2",
                "2 test samples");
    }

    @Test
    void aFolderWithoutT10kFilesHasNoTestSet() throws IOException {
        Path folder = tinyFashionMnist(dir.resolve("fm"));
        Files.delete(folder.resolve(FashionMnist.TEST_IMAGES));
        Files.delete(folder.resolve(FashionMnist.TEST_LABELS + ".gz"));

        LoadedData data = DataLoader.load(DataSpec.of(folder));

        assertThat(data.test()).isNull();
        assertThat(data.description()).contains("no test set");
    }

    @Test
    void aFolderMissingOneFileNamesItAndTheExpectedNames() throws IOException {
        Path folder = tinyFashionMnist(dir.resolve("fm"));
        Files.delete(folder.resolve(FashionMnist.TEST_LABELS + ".gz"));
        Path empty = Files.createDirectory(dir.resolve("empty"));

        assertOneLineError(() -> DataLoader.load(DataSpec.of(folder)), folder.toString(),
                "t10k-labels-idx1-ubyte (or t10k-labels-idx1-ubyte.gz) is missing", "train-images-idx3-ubyte[.gz]");
        assertOneLineError(() -> DataLoader.load(DataSpec.of(empty)), empty.toString(),
                "train-images-idx3-ubyte (or train-images-idx3-ubyte.gz) is missing");
    }

    @Test
    void readsCsvTrainingAndTestFiles() throws IOException {
        Path train = write("train.csv", "label,a,b\n0,1,2\n1,3,4\n");
        Path test = write("test.CSV", "label,a,b\n1,5,6\n");

        LoadedData data = DataLoader.load(new DataSpec(train, null, test, null, null));

        assertThat(data.fashionMnistLayout()).isFalse();
        assertThat(data.train().size()).isEqualTo(2);
        assertThat(data.test().labels()).containsExactly(1);
        assertThat(data.description()).contains("CSV file", "2 training samples of shape 2", "1 test samples");
    }

    @Test
    void findsNumpyLabelsBesideTheFeatures() throws IOException {
        write("X_train.npy", npy(1, "<f4", false, "(2, 2)", floats(ByteOrder.LITTLE_ENDIAN, 1, 2, 3, 4)));
        write("y_train.npy", npy(1, "|u1", false, "(2,)", bytes(4, 5)));
        write("feats.npy", npy(1, "<f4", false, "(1, 2)", floats(ByteOrder.LITTLE_ENDIAN, 7, 8)));
        write("feats_labels.npy", npy(1, "|u1", false, "(1,)", bytes(6)));

        LoadedData data = DataLoader.load(new DataSpec(dir.resolve("X_train.npy"), null, dir.resolve("feats.npy"),
                null, null));

        assertThat(data.train().labels()).containsExactly(4, 5);
        assertThat(data.test().labels()).containsExactly(6);
        assertThat(data.description()).contains("NumPy file");
    }

    @Test
    void usesExplicitNumpyLabels() throws IOException {
        Path x = write("features.npy", npy(1, "<f4", false, "(2, 1)", floats(ByteOrder.LITTLE_ENDIAN, 1, 2)));
        Path y = write("classes.npy", npy(1, "<f8", false, "(2,)", new byte[16]));

        LoadedData data = DataLoader.load(new DataSpec(x, y, null, null, null));

        assertThat(data.train().labels()).containsExactly(0, 0);
        assertThat(data.test()).isNull();
    }

    @Test
    void numpyWithoutLabelsNamesTheFilesTried() throws IOException {
        Path x = write("X_data.npy", npy(1, "<f4", false, "(1, 1)", floats(ByteOrder.LITTLE_ENDIAN, 1)));

        assertOneLineError(() -> DataLoader.load(DataSpec.of(x)), x.toString(), "no labels file",
                "y_data.npy", "X_data_labels.npy");
    }

    @Test
    void testDataMustHaveTheTrainingShape() throws IOException {
        Path train = write("train.csv", "label,a,b\n0,1,2\n");
        Path test = write("test.csv", "label,a\n0,1\n");

        assertOneLineError(() -> DataLoader.load(new DataSpec(train, null, test, null, null)),
                "test data test.csv has samples of shape 1", "train.csv has 2");
    }

    @Test
    void unknownKindsAndMissingPathsNameTheAcceptedForms() throws IOException {
        Path text = write("data.txt", "1,2\n");
        Path absent = dir.resolve("nothing-here");

        assertOneLineError(() -> DataLoader.load(DataSpec.of(text)), text.toString(), "unsupported kind of data file",
                "a Fashion-MNIST folder", "a .csv file or a .npy features file");
        assertOneLineError(() -> DataLoader.load(DataSpec.of(absent)), absent.toString(), "no such file or directory",
                "a .csv file or a .npy features file");
    }

    @Test
    void labelsFilesApplyOnlyToNumpyData() throws IOException {
        Path csv = write("train.csv", "label,a\n0,1\n");
        Path labels = write("labels.npy", npy(1, "|u1", false, "(1,)", bytes(0)));

        assertOneLineError(() -> DataLoader.load(new DataSpec(csv, labels, null, null, null)), labels.toString(),
                "applies only to .npy data");
        assertOneLineError(() -> DataLoader.load(new DataSpec(csv, null, null, labels, null)), labels.toString(),
                "test labels given without test data");
    }

    /** Three 2x2 training images and two test images, mixing plain and gzip files. */
    static Path tinyFashionMnist(Path folder) throws IOException {
        Files.createDirectories(folder);
        Files.write(folder.resolve(FashionMnist.TRAIN_IMAGES + ".gz"),
                gzip(idx(IdxArray.UBYTE, new int[] {3, 2, 2}, bytes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11))));
        Files.write(folder.resolve(FashionMnist.TRAIN_LABELS), idx(IdxArray.UBYTE, new int[] {3}, bytes(1, 0, 2)));
        Files.write(folder.resolve(FashionMnist.TEST_IMAGES),
                idx(IdxArray.UBYTE, new int[] {2, 2, 2}, bytes(9, 9, 9, 9, 8, 8, 8, 8)));
        Files.write(folder.resolve(FashionMnist.TEST_LABELS + ".gz"),
                gzip(idx(IdxArray.UBYTE, new int[] {2}, bytes(2, 2))));
        return folder;
    }

    private Path write(String name, String content) throws IOException {
        return write(name, content.getBytes(StandardCharsets.UTF_8));
    }

    private Path write(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }
}
