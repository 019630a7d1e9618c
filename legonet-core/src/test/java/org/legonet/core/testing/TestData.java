package org.legonet.core.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.legonet.core.data.Dataset;
import org.legonet.core.data.FashionMnist;
import org.legonet.core.data.IdxReader;

/**
 * The real Fashion-MNIST files for tests: the shared datasets folder that sits beside the
 * repository ({@code ../shared/datasets/fashion-mnist} from the repository root), found from
 * wherever the tests run.
 */
public final class TestData {
    private static final Path SHARED = Path.of("shared", "datasets", "fashion-mnist");
    private static Dataset fullTrain;

    private TestData() {
    }

    /**
     * The shared Fashion-MNIST folder, found by walking up from the working directory and checking,
     * at each ancestor A, {@code A/shared/datasets/fashion-mnist} and
     * {@code A/../shared/datasets/fashion-mnist}. Fails the test when there is none.
     */
    public static Path fashionMnistDir() {
        Path start = Path.of("").toAbsolutePath().normalize();
        for (Path a = start; a != null; a = a.getParent()) {
            Path inside = a.resolve(SHARED);
            if (FashionMnist.isLayout(inside)) {
                return inside;
            }
            if (a.getParent() != null) {
                Path beside = a.getParent().resolve(SHARED);
                if (FashionMnist.isLayout(beside)) {
                    return beside;
                }
            }
        }
        return fail("no Fashion-MNIST folder (shared/datasets/fashion-mnist holding "
                + String.join(", ", FashionMnist.FILES) + ", plain or .gz) in " + start
                + " or any of its ancestors or their parents");
    }

    /**
     * The first {@code rows} rows of the real training set. The full set is read once per test JVM
     * and kept, so several tests can slice it cheaply.
     */
    public static Dataset fashionMnistTrainSlice(int rows) {
        Dataset train = fashionMnistTrain();
        return train.slice(0, rows, "fashion-mnist train[0:" + rows + "]");
    }

    private static synchronized Dataset fashionMnistTrain() {
        if (fullTrain == null) {
            Path dir = fashionMnistDir();
            Path images = FashionMnist.find(dir, FashionMnist.TRAIN_IMAGES).orElseThrow();
            Path labels = FashionMnist.find(dir, FashionMnist.TRAIN_LABELS).orElseThrow();
            if (!Files.isReadable(images) || !Files.isReadable(labels)) {
                fail("the Fashion-MNIST training files in " + dir + " are not readable");
            }
            fullTrain = IdxReader.readLabelled(images, labels, "fashion-mnist train");
        }
        return fullTrain;
    }
}
