package org.legonet.dl.cnn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.legonet.core.LegoNetException;

/** Parsing {@code cnn[:key=value...]}: defaults, every option, the canonical form, and one-line errors. */
class CnnSpecTest {
    @Test
    void plainCnnIsTheDefaultRecipe() {
        CnnSpec s = CnnSpec.parse("cnn");
        assertThat(s).isEqualTo(CnnSpec.DEFAULT);
        assertThat(s.channels()).containsExactly(16, 32, 64);
        assertThat(s.dim()).isEqualTo(256);
        assertThat(s.epochs()).isEqualTo(30);
        assertThat(s.batch()).isEqualTo(128);
        assertThat(s.lr()).isEqualTo(0.002f);
        assertThat(s.weightDecay()).isEqualTo(1e-4f);
        assertThat(s.dropout()).isEqualTo(0.25f);
        assertThat(s.augment()).isTrue();
        assertThat(s.canonical())
                .isEqualTo("cnn:channels=16-32-64:dim=256:epochs=30:batch=128:lr=0.002:wd=1.0E-4:dropout=0.25:augment=on");
    }

    @Test
    void everyOptionIsRead() {
        CnnSpec s = CnnSpec.parse("cnn:channels=4-8:dim=16:epochs=3:batch=32:lr=0.01:wd=0:dropout=0:augment=off");
        assertThat(s.channels()).containsExactly(4, 8);
        assertThat(s.dim()).isEqualTo(16);
        assertThat(s.epochs()).isEqualTo(3);
        assertThat(s.batch()).isEqualTo(32);
        assertThat(s.lr()).isEqualTo(0.01f);
        assertThat(s.weightDecay()).isEqualTo(0f);
        assertThat(s.dropout()).isEqualTo(0f);
        assertThat(s.augment()).isFalse();
        // options left out keep their defaults; keys are case-insensitive; spaces around values are trimmed
        CnnSpec one = CnnSpec.parse("cnn:DIM= 64 ");
        assertThat(one.dim()).isEqualTo(64);
        assertThat(one.channels()).containsExactly(16, 32, 64);
        assertThat(one.epochs()).isEqualTo(30);
        for (String on : new String[] {"on", "true", "yes", "1", "ON"}) {
            assertThat(CnnSpec.parse("cnn:augment=" + on).augment()).as(on).isTrue();
        }
        for (String off : new String[] {"off", "false", "no", "0"}) {
            assertThat(CnnSpec.parse("cnn:augment=" + off).augment()).as(off).isFalse();
        }
        assertThat(CnnSpec.parse("cnn:channels=7").channels()).containsExactly(7);
        assertThat(CnnSpec.parse("cnn:channels=1-2-3-4-5").channels()).containsExactly(1, 2, 3, 4, 5);
        assertThat(CnnSpec.parse("cnn:epochs=0").epochs()).isZero();
    }

    @Test
    void theCanonicalFormParsesBackToTheSameRecipe() {
        for (String spec : new String[] {"cnn", "cnn:channels=4-8:dim=16:epochs=1:batch=32",
                "cnn:lr=0.0003:wd=0.05:dropout=0.5:augment=off", "cnn:lr=1e-5:wd=3.3e-7", "cnn:channels=1024:dim=8192"}) {
            CnnSpec s = CnnSpec.parse(spec);
            CnnSpec back = CnnSpec.parse(s.canonical());
            assertThat(back).as(spec).isEqualTo(s).hasSameHashCodeAs(s);
            assertThat(back.canonical()).isEqualTo(s.canonical());
            assertThat(back.lr()).isEqualTo(s.lr());
            assertThat(back.weightDecay()).isEqualTo(s.weightDecay());
            assertThat(s.toString()).isEqualTo(s.canonical());
        }
        assertThat(CnnSpec.parse("cnn:dim=16")).isNotEqualTo(CnnSpec.parse("cnn:dim=17"));
    }

    @Test
    void theSpecIsImmutable() {
        int[] ch = {4, 8};
        CnnSpec s = new CnnSpec(ch, 16, 1, 32, 0.01f, 0f, 0f, false);
        ch[0] = 99;
        s.channels()[1] = 99;
        assertThat(s.channels()).containsExactly(4, 8);
        CnnSpec more = s.withEpochs(5);
        assertThat(more.epochs()).isEqualTo(5);
        assertThat(s.epochs()).isEqualTo(1);
        assertThat(more.canonical()).isEqualTo(s.canonical().replace("epochs=1", "epochs=5"));
    }

    @Test
    void onlyCnnSpecsMatch() {
        assertThat(CnnSpec.matches("cnn")).isTrue();
        assertThat(CnnSpec.matches("cnn:dim=3")).isTrue();
        assertThat(CnnSpec.matches("cnnx")).isFalse();
        assertThat(CnnSpec.matches("pca:4")).isFalse();
        bad("pca:4", "not a cnn encoder specification", "pca:4");
        bad("cnnx", "not a cnn encoder specification");
    }

    @Test
    void badSpecsAreOneLineErrorsThatNameTheProblem() {
        bad("cnn:colour=red", "unknown cnn option 'colour'", "cnn[:channels=");
        bad("cnn:dim=abc", "dim=abc", "not a whole number");
        bad("cnn:epochs=1.5", "epochs=1.5", "not a whole number");
        bad("cnn:lr=fast", "lr=fast", "not a number");
        bad("cnn:channels=32-x", "channels=32-x", "list of whole numbers");
        bad("cnn:channels=32-", "channels=32-", "list of whole numbers");
        bad("cnn:channels=0", "channels", "1 to 1024", "got 0");
        bad("cnn:channels=4-0-8", "channels", "got 0");
        bad("cnn:channels=1-2-3-4-5-6", "1 to 5 blocks");
        bad("cnn:dropout=1", "dropout", "[0, 1)", "got 1.0");
        bad("cnn:dropout=-0.1", "dropout");
        bad("cnn:dim=0", "dim must be 1..8192", "got 0");
        bad("cnn:dim=9000", "dim must be 1..8192");
        bad("cnn:epochs=-1", "epochs must be 0..1000");
        bad("cnn:batch=0", "batch must be 1..65536");
        bad("cnn:lr=0", "lr must be a positive number");
        bad("cnn:lr=NaN", "lr must be a positive number");
        bad("cnn:lr=Infinity", "lr must be a positive number");
        bad("cnn:wd=-1", "wd must be >= 0");
        bad("cnn:augment=maybe", "augment must be on or off", "maybe");
        bad("cnn:dim", "'dim' is not key=value");
        bad("cnn:=3", "'=3' is not key=value");
        bad("cnn:", "is not key=value");
        bad("cnn:dim=16:dim=32", "'dim' is given twice");
    }

    private static void bad(String spec, String... fragments) {
        var a = assertThatThrownBy(() -> CnnSpec.parse(spec)).as(spec).isInstanceOf(LegoNetException.class)
                .satisfies(t -> assertThat(t.getMessage()).doesNotContain("\n"));
        for (String f : fragments) {
            a.hasMessageContaining(f);
        }
    }
}
