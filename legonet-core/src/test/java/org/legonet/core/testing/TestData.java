package org.legonet.core.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.legonet.core.data.Dataset;
import org.legonet.core.data.FashionMnist;
import org.legonet.core.data.LoadedData;

/**
 * Real Fashion-MNIST for tests, from the sample bundled with legonet-core ({@link
 * FashionMnist#sample()}: the first {@value FashionMnist#SAMPLE_TRAIN_ROWS} training and
 * {@value FashionMnist#SAMPLE_TEST_ROWS} test images), so the tests need nothing outside the
 * repository and no network.
 */
public final class TestData {
    private static LoadedData sample;
    private static Path dir;

    private TestData() {
    }

    /**
     * A folder in the Fashion-MNIST layout holding the bundled sample's four gzip files, for tests
     * that hand a folder to the CLI. Written once per test JVM into a temporary folder that is
     * removed when the JVM exits; tests must not change it.
     */
    public static synchronized Path fashionMnistDir() {
        if (dir == null) {
            try {
                Path d = Files.createTempDirectory("legonet-test-fashion-mnist");
                d.toFile().deleteOnExit(); // registered first, so deleted after the files in it
                FashionMnist.writeSample(d);
                for (String name : FashionMnist.FILES) {
                    new File(d.toFile(), name + ".gz").deleteOnExit();
                }
                dir = d;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    /** The bundled sample as read by the data loader; read once per test JVM and kept. */
    public static synchronized LoadedData fashionMnistSample() {
        if (sample == null) {
            sample = FashionMnist.sample();
        }
        return sample;
    }

    /**
     * The first {@code rows} rows of the sample's training set (at most
     * {@value FashionMnist#SAMPLE_TRAIN_ROWS}).
     */
    public static Dataset fashionMnistTrainSlice(int rows) {
        Dataset train = fashionMnistSample().train();
        if (rows > train.size()) {
            fail("a test asks for " + rows + " Fashion-MNIST training rows; the bundled sample has " + train.size());
        }
        return train.slice(0, rows, "fashion-mnist train[0:" + rows + "]");
    }
}
