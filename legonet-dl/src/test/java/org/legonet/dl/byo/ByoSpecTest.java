package org.legonet.dl.byo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.legonet.core.LegoNetException;

/** Parsing {@code onnx:PATH[:name=value...]} and {@code torchscript:PATH[:name=value...]}. */
class ByoSpecTest {
    @Test
    void aPlainPathHasTheDefaults() {
        ByoSpec s = ByoSpec.parse("onnx:/models/net.onnx", "onnx");
        assertThat(s.path()).isEqualTo(Path.of("/models/net.onnx"));
        assertThat(s.input()).isNull();
        assertThat(s.output()).isNull();
        assertThat(s.shape()).isNull();
        assertThat(s.scale()).isEqualTo(1f);
        assertThat(s.pool()).isEqualTo(Pooling.MEAN);
        assertThat(s.dtype()).isEqualTo(ElementType.FLOAT32);
    }

    @Test
    void optionsAreReadFromTheRightAndThePathMayHoldColons() {
        ByoSpec s = ByoSpec.parse("onnx:/data/run:3/net.onnx:input=pixel_values:output=pooler_output:shape=1x1x28x28"
                + ":scale=1/255:pool=first", "onnx");
        assertThat(s.path()).isEqualTo(Path.of("/data/run:3/net.onnx"));
        assertThat(s.input()).isEqualTo("pixel_values");
        assertThat(s.output()).isEqualTo("pooler_output");
        assertThat(s.shape()).containsExactly(1, 1, 28, 28);
        assertThat(s.scale()).isEqualTo(1f / 255f);
        assertThat(s.pool()).isEqualTo(Pooling.FIRST);
        ByoSpec t = ByoSpec.parse("torchscript:relative/net.pt:dtype=int64:output=1:pool=none", "torchscript");
        assertThat(t.path()).isEqualTo(Path.of("relative/net.pt"));
        assertThat(t.dtype()).isEqualTo(ElementType.INT64);
        assertThat(t.output()).isEqualTo("1");
        assertThat(t.pool()).isEqualTo(Pooling.NONE);
    }

    @Test
    void badOptionsAreOneLineErrorsNamingThem() {
        String[][] cases = {
            {"onnx:/m.onnx:size=3", "unknown option 'size'"},
            {"onnx:/m.onnx:pool=mean:pool=first", "option pool is given twice"},
            {"onnx:/m.onnx:shape=1xax3", "shape= must be positive sizes"},
            {"onnx:/m.onnx:shape=1x0", "shape= must be positive sizes"},
            {"onnx:/m.onnx:shape=4x3", "batch dimension, which must be 1"},
            {"onnx:/m.onnx:scale=big", "scale= must be a finite non-zero number"},
            {"onnx:/m.onnx:scale=1/0", "scale= must be a finite non-zero number"},
            {"onnx:/m.onnx:pool=max", "pool= must be mean, first or none"},
            {"onnx:/m.onnx:dtype=int64", "an ONNX model declares its input type"},
            {"torchscript:/m.pt:dtype=uint8", "dtype= must be float32, float64, int64 or int32"},
            {"torchscript:/m.pt:input=x", "drop input="},
            {"torchscript:/m.pt:output=last", "output= must be the index"},
            {"onnx:", "names no model file"},
            {"onnx", "names no model file"},
        };
        for (String[] c : cases) {
            String kind = c[0].startsWith("onnx") ? "onnx" : "torchscript";
            assertThatThrownBy(() -> ByoSpec.parse(c[0], kind)).as(c[0]).isInstanceOf(LegoNetException.class)
                    .hasMessageContaining(c[1]).hasMessageContaining("encoder '" + c[0] + "'");
        }
    }

    @Test
    void kindsAreToldApart() {
        assertThat(ByoSpec.isKind("onnx:/a", "onnx")).isTrue();
        assertThat(ByoSpec.isKind("onnxruntime:/a", "onnx")).isFalse();
        assertThat(ByoSpec.isKind("torchscript:/a", "onnx")).isFalse();
        assertThat(ByoSpec.usage("torchscript")).contains("dtype=");
        assertThat(ByoSpec.usage("onnx")).doesNotContain("dtype=");
    }
}
