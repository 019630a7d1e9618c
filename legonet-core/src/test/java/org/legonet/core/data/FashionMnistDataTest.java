package org.legonet.core.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.util.Digests;

/**
 * The Fashion-MNIST sample bundled with legonet-core: its bytes match its SHA-256 sums, it holds
 * the row counts the tests rely on, and it reads as Fashion-MNIST does.
 */
class FashionMnistDataTest {
    @TempDir
    Path tmp;

    @Test
    void theBundledFilesMatchTheirSha256SumsAndHoldTheStatedRows() throws IOException {
        Map<String, String> sums = FashionMnist.sampleSums();
        assertThat(sums.keySet()).containsExactlyInAnyOrderElementsOf(
                FashionMnist.FILES.stream().map(n -> n + ".gz").toList());
        Map<String, int[]> dims = Map.of(
                FashionMnist.TRAIN_IMAGES, new int[] {0x803, 4000, 28, 28},
                FashionMnist.TRAIN_LABELS, new int[] {0x801, 4000},
                FashionMnist.TEST_IMAGES, new int[] {0x803, 1000, 28, 28},
                FashionMnist.TEST_LABELS, new int[] {0x801, 1000});
        long total = 0;
        for (String name : FashionMnist.FILES) {
            byte[] gz = resource(name + ".gz");
            total += gz.length;
            assertThat(Digests.sha256Hex(gz)).as(name).isEqualTo(sums.get(name + ".gz"));
            // a reproducible gzip header: deflate, no file name, no time stamp
            assertThat(Arrays.copyOf(gz, 8)).as(name).containsExactly(0x1f, 0x8b, 8, 0, 0, 0, 0, 0);
            int[] expected = dims.get(name);
            try (DataInputStream in = new DataInputStream(new GZIPInputStream(new ByteArrayInputStream(gz)))) {
                int[] header = new int[expected.length];
                long body = 1;
                for (int i = 0; i < header.length; i++) {
                    header[i] = in.readInt();
                    body *= i == 0 ? 1 : header[i];
                }
                assertThat(header).as(name).containsExactly(expected);
                assertThat(in.readAllBytes()).as(name + " body").hasSize(Math.toIntExact(body));
            }
        }
        assertThat(total).as("bytes in the jar").isBetween(1_500_000L, 2_300_000L);
    }

    @Test
    void theSampleReads4000TrainingAnd1000TestImagesOf28By28WithEveryClass() {
        LoadedData sample = FashionMnist.sample();
        Dataset train = sample.train();
        Dataset test = sample.test();

        assertThat(sample.fashionMnistLayout()).isTrue();
        assertThat(sample.description()).isEqualTo(FashionMnist.SAMPLE_DESCRIPTION);
        assertThat(train.size()).isEqualTo(FashionMnist.SAMPLE_TRAIN_ROWS).isEqualTo(4000);
        assertThat(test.size()).isEqualTo(FashionMnist.SAMPLE_TEST_ROWS).isEqualTo(1000);
        for (Dataset d : new Dataset[] {train, test}) {
            assertThat(d.sampleShape()).containsExactly(28, 28);
            assertThat(d.labelBound()).isEqualTo(10);
            assertThat(Arrays.stream(d.labels()).distinct().sorted().toArray())
                    .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        }
        assertThat(Arrays.copyOf(train.labels(), 10)).containsExactly(3, 9, 8, 2, 0, 7, 7, 9, 9, 1);
        assertThat(Arrays.copyOf(test.labels(), 10)).containsExactly(7, 0, 9, 0, 7, 6, 2, 1, 0, 7);
        assertThat(train.id(0)).isZero();
        assertThat(train.id(3999)).isEqualTo(3999L);
        float max = 0;
        for (int c = 0; c < train.dim(); c++) {
            max = Math.max(max, train.feature(0, c));
        }
        assertThat(max).as("raw pixel values, not scaled").isGreaterThan(1f).isLessThanOrEqualTo(255f);
    }

    @Test
    void aWrittenSampleFolderLoadsAsTheSameDataAndSplitsASixthPublic() throws IOException {
        Path dir = FashionMnist.writeSample(tmp.resolve("sample"));
        LoadedData data = DataLoader.load(DataSpec.of(dir));
        LoadedData sample = FashionMnist.sample();

        assertThat(FashionMnist.isLayout(dir)).isTrue();
        assertThat(data.fashionMnistLayout()).isTrue();
        assertThat(data.train().fingerprint()).isEqualTo(sample.train().fingerprint());
        assertThat(data.test().fingerprint()).isEqualTo(sample.test().fingerprint());

        int publicSize = Splits.defaultPublicSize(data);
        Splits splits = Splits.of(data.train(), publicSize);
        assertThat(publicSize).as("a sixth: the sample is below the 20,000 rows that get 10,000 public").isEqualTo(666);
        assertThat(splits.privateSplit().size()).isEqualTo(3334);
        assertThat(splits.privateSplit().id(0)).isEqualTo(666L);
    }

    @Test
    void writingTheSampleAgainKeepsGoodFilesAndRepairsDamagedOnes() throws IOException {
        Path dir = FashionMnist.writeSample(tmp.resolve("sample"));
        Path images = dir.resolve(FashionMnist.TRAIN_IMAGES + ".gz");
        Path labels = dir.resolve(FashionMnist.TRAIN_LABELS + ".gz");
        var imagesTime = Files.getLastModifiedTime(images);
        Files.write(labels, new byte[] {0x1f, (byte) 0x8b});

        FashionMnist.writeSample(dir);

        assertThat(Files.getLastModifiedTime(images)).isEqualTo(imagesTime);
        assertThat(Digests.sha256Hex(Files.readAllBytes(labels)))
                .isEqualTo(FashionMnist.sampleSums().get(FashionMnist.TRAIN_LABELS + ".gz"));
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted())
                    .as("no temporary files left").containsExactlyElementsOf(
                            FashionMnist.FILES.stream().map(n -> n + ".gz").sorted().toList());
        }
    }

    @Test
    void theSampleFolderIsBesideTheCacheSoItIsNeverTakenForTheFullSet() throws IOException {
        Map<String, String> env = Map.of("HOME", tmp.resolve("home").toString());
        Path cwd = Files.createDirectories(tmp.resolve("a/work"));

        FashionMnist.writeSample(FashionMnist.sampleDir(env));

        assertThat(FashionMnist.sampleDir(env)).isEqualTo(tmp.resolve("home/.cache/legonet/fashion-mnist-sample"));
        assertThat(FashionMnist.locate(env, cwd, null)).isEmpty();
    }

    private static byte[] resource(String file) throws IOException {
        try (InputStream in = FashionMnist.class.getResourceAsStream(FashionMnist.SAMPLE_RESOURCES + file)) {
            assertThat(in).as("resource %s", file).isNotNull();
            return in.readAllBytes();
        }
    }
}
