package org.legonet.server;

import org.legonet.core.Progress;
import org.legonet.core.testing.SmallModels;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.LegoNet;

/**
 * A commit that throws (a disk error, say) is resolved by the directory: the service opens it
 * again and reads its log. Thrown after the switch, the requests were committed and get their
 * receipts (never run twice); thrown before, they failed, stay logged, and run at the next start.
 * Either way the service keeps serving and takes the next request.
 */
class CommitFailureTest {
    @TempDir
    Path tmp;

    /** Throws once, the first time the commit reaches {@code point}. */
    private static FaultInjector throwOnceAt(String point) {
        AtomicBoolean thrown = new AtomicBoolean();
        return at -> {
            if (at.equals(point) && thrown.compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure at " + point);
            }
        };
    }

    @Test
    void aCommitThatFailsAfterTheSwitchIsDoneOnceWithItsReceipt() {
        Path model = Fixture.model(tmp.resolve("m"));
        long a = Fixture.privateId(5);
        long b = Fixture.privateId(6);
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model)
                .optFaults(throwOnceAt("commit.cleaned-up")).build())) {
            Fixture.Http http = new Fixture.Http(server);
            String before = server.modelDigest();
            JsonNode first = http.awaitDone(http.forget("{\"ids\": [" + a + "]}"));
            assertThat(first.get("state").asText()).as("%s", first).isEqualTo("done");
            assertThat(first.get("receipt").get("commit").asInt()).isEqualTo(1);
            assertThat(first.get("receipt").get("digest_before").asText()).isEqualTo(before);
            assertThat(server.modelDigest()).as("the service serves what the directory holds")
                    .isEqualTo(first.get("receipt").get("digest_after").asText());
            JsonNode second = http.awaitDone(http.forget("{\"ids\": [" + b + "]}"));
            assertThat(second.get("state").asText()).isEqualTo("done");
            assertThat(second.get("receipt").get("commit").asInt()).isEqualTo(2);
            assertThat(http.post("/v1/predict", "{\"instances\": [" + Fixture.instance(0) + "]}").status()).isEqualTo(200);
        }
        try (LegoNet m = LegoNet.open(model, new LegoNet.Options(2, Progress.NONE, SmallModels.ID_KEY))) {
            assertThat(m.history()).hasSize(2);
            assertThat(m.wasForgotten(a)).isTrue();
            assertThat(Audit.run(m).problems()).isEmpty();
            assertThat(m.verify().provenExact()).isTrue();
        }
    }

    @Test
    void aCommitThatFailsBeforeTheSwitchFailsTheRequestWhichRunsAtTheNextStart() {
        Path model = Fixture.model(tmp.resolve("m"));
        long a = Fixture.privateId(5);
        long b = Fixture.privateId(6);
        String failed;
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model)
                .optFaults(throwOnceAt("commit.adapters-written")).build())) {
            Fixture.Http http = new Fixture.Http(server);
            String before = server.modelDigest();
            failed = http.forget("{\"ids\": [" + a + "]}");
            JsonNode s = http.awaitDone(failed);
            assertThat(s.get("state").asText()).isEqualTo("failed");
            assertThat(s.get("error").get("code").asText()).isEqualTo("forget_failed");
            assertThat(s.get("error").get("message").asText()).contains("injected failure")
                    .contains("retried when the service restarts");
            assertThat(server.modelDigest()).as("nothing was switched").isEqualTo(before);
            JsonNode next = http.awaitDone(http.forget("{\"ids\": [" + b + "]}"));
            assertThat(next.get("state").asText()).as("the service takes the next request").isEqualTo("done");
            assertThat(next.get("receipt").get("commit").asInt()).isEqualTo(1);
        }
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).build())) {
            JsonNode s = new Fixture.Http(server).awaitDone(failed);
            assertThat(s.get("state").asText()).isEqualTo("done");
            assertThat(s.get("receipt").get("commit").asInt()).isEqualTo(2);
        }
        try (LegoNet m = LegoNet.open(model, new LegoNet.Options(2, Progress.NONE, SmallModels.ID_KEY))) {
            assertThat(m.wasForgotten(a)).isTrue();
            assertThat(m.wasForgotten(b)).isTrue();
            assertThat(Audit.run(m).problems()).isEmpty();
            assertThat(m.verify().provenExact()).isTrue();
        }
    }
}
