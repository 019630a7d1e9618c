package org.legonet.core.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.legonet.core.testing.TestData;

/** The real Fashion-MNIST files from the shared datasets folder. */
class FashionMnistDataTest {
    @Test
    void theTrainingSetHas60000ImagesOf28By28WithLabels0To9() {
        Dataset train = TestData.fashionMnistTrainSlice(60_000);

        assertThat(train.size()).isEqualTo(60_000);
        assertThat(train.sampleShape()).containsExactly(28, 28);
        assertThat(train.labelBound()).isEqualTo(10);
        assertThat(Arrays.stream(train.labels()).distinct().sorted().toArray())
                .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        float max = 0;
        for (int c = 0; c < train.dim(); c++) {
            max = Math.max(max, train.feature(0, c));
        }
        assertThat(max).as("raw pixel values, not scaled").isGreaterThan(1f).isLessThanOrEqualTo(255f);
        assertThat(TestData.fashionMnistTrainSlice(100).fingerprint())
                .isEqualTo(train.slice(0, 100, "again").fingerprint());
    }

    @Test
    void theLoaderReadsTheFolderAndSplitsItByDefault10000To50000() {
        LoadedData data = DataLoader.load(DataSpec.of(TestData.fashionMnistDir()));

        assertThat(data.fashionMnistLayout()).isTrue();
        assertThat(data.train().size()).isEqualTo(60_000);
        assertThat(data.test().size()).isEqualTo(10_000);
        assertThat(data.test().sampleShape()).containsExactly(28, 28);
        assertThat(data.test().labelBound()).isEqualTo(10);
        assertThat(data.train().fingerprint()).isEqualTo(TestData.fashionMnistTrainSlice(60_000).fingerprint());

        int publicSize = Splits.defaultPublicSize(data);
        Splits splits = Splits.of(data.train(), publicSize);

        assertThat(publicSize).isEqualTo(10_000);
        assertThat(splits.publicSplit().size()).isEqualTo(10_000);
        assertThat(splits.privateSplit().size()).isEqualTo(50_000);
        assertThat(splits.privateSplit().id(0)).isEqualTo(10_000L);
    }

    @Test
    void locateFindsTheSharedFolderWithAnEmptyEnvironment() {
        Path moduleDir = Path.of("").toAbsolutePath();
        Path repository = moduleDir.getParent();

        Path found = FashionMnist.locate(Map.of(), moduleDir, repository).orElseThrow();

        assertThat(found.toAbsolutePath().normalize())
                .isEqualTo(TestData.fashionMnistDir().toAbsolutePath().normalize());
    }
}
