package org.legonet.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.Dataset;
import org.junit.jupiter.api.Test;

/** The scaling study's data growth: sizes, fresh ids, the transforms, determinism and its limits. */
class GrownDataTest {
    /** 3 images of 4 x 5 pixels with ids 7, 8, 93: pixel (y, x) of image r is 100 r + 10 y + x. */
    private static Dataset images() {
        int h = 4;
        int w = 5;
        float[] x = new float[3 * h * w];
        for (int r = 0; r < 3; r++) {
            for (int y = 0; y < h; y++) {
                for (int c = 0; c < w; c++) {
                    x[r * h * w + y * w + c] = 100 * r + 10 * y + c;
                }
            }
        }
        return new Dataset("tiny", new long[] {7, 8, 93}, new int[] {0, 2, 1}, x, new int[] {h, w});
    }

    @Test
    void copiesKeepLabelsAndGetFreshIds() {
        Dataset d = images();
        Dataset g = GrownData.grow(d, 4);
        assertThat(g.size()).isEqualTo(12);
        assertThat(g.dim()).isEqualTo(d.dim());
        // copy 0 is the data itself
        for (int r = 0; r < 3; r++) {
            assertThat(g.id(r)).isEqualTo(d.id(r));
            float[] a = new float[20];
            float[] b = new float[20];
            d.copyRow(r, a, 0);
            g.copyRow(r, b, 0);
            assertThat(b).containsExactly(a);
        }
        // ids: v * 100 + id (the smallest power of ten above 93), all distinct; labels repeat per copy
        assertThat(g.id(3)).isEqualTo(107);
        assertThat(g.id(11)).isEqualTo(393);
        Set<Long> ids = new HashSet<>();
        for (int r = 0; r < g.size(); r++) {
            ids.add(g.id(r));
            assertThat(g.label(r)).isEqualTo(d.label(r % 3));
        }
        assertThat(ids).hasSize(12);
    }

    @Test
    void theFirstCopiesAreAMirrorImageAndAOnePixelShift() {
        Dataset g = GrownData.grow(images(), 3);
        float[] mirror = new float[20];
        g.copyRow(3 + 1, mirror, 0); // copy 1 of image 1
        // mirrored left-right: pixel (y, x) is the original's (y, 4 - x)
        assertThat(mirror[0]).isEqualTo(100 + 4);
        assertThat(mirror[2 * 5 + 1]).isEqualTo(100 + 20 + 3);
        float[] shifted = new float[20];
        g.copyRow(6 + 1, shifted, 0); // copy 2 of image 1: shifted right by one pixel, column 0 zero
        for (int y = 0; y < 4; y++) {
            assertThat(shifted[y * 5]).isZero();
            for (int c = 1; c < 5; c++) {
                assertThat(shifted[y * 5 + c]).isEqualTo(100 + 10 * y + c - 1);
            }
        }
    }

    @Test
    void growingIsDeterministicAndEveryCopyDiffers() {
        Dataset a = GrownData.grow(images(), GrownData.MAX_FACTOR);
        Dataset b = GrownData.grow(images(), GrownData.MAX_FACTOR);
        assertThat(a.fingerprint()).isEqualTo(b.fingerprint());
        // image 2 has no symmetric pixel pattern, so its 50 copies are 50 different images
        Set<String> copies = new HashSet<>();
        for (int v = 0; v < GrownData.MAX_FACTOR; v++) {
            float[] x = new float[20];
            a.copyRow(v * 3 + 2, x, 0);
            copies.add(Arrays.toString(x));
        }
        assertThat(copies).hasSize(GrownData.MAX_FACTOR);
    }

    @Test
    void mixingKeepsTheSizeAndTransformsRowRAsCopyRModFactor() {
        Dataset d = images();
        Dataset m = GrownData.mix(d, 3, 0);
        Dataset g = GrownData.grow(d, 3, 0);
        assertThat(m.size()).isEqualTo(3);
        for (int r = 0; r < 3; r++) {
            int grownRow = (r % 3) * 3 + r; // copy r mod 3 of row r
            assertThat(m.id(r)).isEqualTo(g.id(grownRow));
            assertThat(m.label(r)).isEqualTo(d.label(r));
            float[] a = new float[20];
            float[] b = new float[20];
            m.copyRow(r, a, 0);
            g.copyRow(grownRow, b, 0);
            assertThat(a).containsExactly(b);
        }
        assertThat(GrownData.mix(d, 1, 0)).isSameAs(d);
        // a stride shared with another split keeps the ids apart
        assertThat(GrownData.mix(d, 3, 1000).id(1)).isEqualTo(1000 + 8);
    }

    @Test
    void refusesWhatItCannotGrow() {
        assertThatThrownBy(() -> GrownData.grow(images(), 0)).isInstanceOf(LegoNetException.class)
                .hasMessageContaining("1..50");
        assertThatThrownBy(() -> GrownData.grow(images(), 51)).isInstanceOf(LegoNetException.class);
        Dataset flat = new Dataset("flat", new long[] {1}, new int[] {0}, new float[6], new int[] {6});
        assertThatThrownBy(() -> GrownData.grow(flat, 2)).isInstanceOf(LegoNetException.class)
                .hasMessageContaining("needs images");
        assertThat(GrownData.grow(flat, 1)).isSameAs(flat);
    }
}
