package org.legonet.server;

import org.legonet.core.testing.SmallModels;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.store.ModelStore;
import org.legonet.core.StoreException;
import org.legonet.core.ForgetRequest;
import org.legonet.core.unlearn.Unlearner;
import org.legonet.core.util.Digests;
import org.legonet.core.Progress;

/** The receipt chain and its audit: intact chains pass, every kind of tampering is named. */
class AuditTest {
    @TempDir
    Path tmp;
    private Path model;
    private final List<String> requests = new ArrayList<>();

    @BeforeEach
    void threeForgets() {
        model = Fixture.model(tmp.resolve("m"));
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).build())) {
            Fixture.Http http = new Fixture.Http(server);
            for (String body : new String[] {"{\"ids\": [" + Fixture.privateId(1) + "]}",
                    "{\"ids\": [" + Fixture.privateId(2) + ", " + Fixture.privateId(3) + "]}", "{\"class\": 0}"}) {
                String id = http.forget(body);
                assertThat(http.awaitDone(id).get("state").asText()).isEqualTo("done");
                requests.add(id);
            }
        }
    }

    private Audit.Report audit() {
        try (ModelStore s = ModelStore.open(model, false, SmallModels.ID_KEY)) {
            return auditOf(s.dir());
        }
    }

    private List<String> lines() throws IOException {
        return new ArrayList<>(Files.readAllLines(model.resolve(ReceiptLog.FILE)));
    }

    private void write(List<String> lines) throws IOException {
        Files.writeString(model.resolve(ReceiptLog.FILE), String.join("\n", lines) + "\n");
    }

    @Test
    void anIntactChainPasses() {
        Audit.Report r = audit();
        assertThat(r.problems()).isEmpty();
        assertThat(r.ok()).isTrue();
        assertThat(r.receipts()).isEqualTo(3);
        assertThat(r.commits()).isEqualTo(3);
        assertThat(r.serviceCommits()).isEqualTo(3);
        assertThat(r.lastReceiptDigest()).isEqualTo(r.modelDigest());
    }

    @Test
    void anEditedReceiptIsNamed() throws IOException {
        List<String> l = lines();
        assertThat(l.get(1)).contains("\"forgotten\":2");
        l.set(1, l.get(1).replace("\"forgotten\":2", "\"forgotten\":1"));
        write(l);
        Audit.Report r = audit();
        assertThat(r.ok()).isFalse();
        assertThat(r.problems()).isNotEmpty()
                .allSatisfy(p -> assertThat(p).startsWith("receipt 2 (request " + requests.get(1) + ")"))
                .anySatisfy(p -> assertThat(p).contains("was altered"));
        // and the service refuses to extend it
        assertThatThrownBy(() -> LegoNetServer.start(Fixture.config(model).build())).isInstanceOf(StoreException.class)
                .hasMessageContaining("receipt 2").hasMessageContaining("legonet audit");
    }

    @Test
    void anEditWithItsHashRecomputedBreaksTheNextLink() throws IOException {
        List<String> l = lines();
        String edited = l.get(0).replace("\"forgotten\":1", "\"forgotten\":0").replace("\"already_forgotten\":0",
                "\"already_forgotten\":1");
        String body = edited.substring(0, edited.lastIndexOf(",\"hash\":\"")) + "}";
        String hash = Digests.sha256Hex(body.getBytes(StandardCharsets.UTF_8));
        l.set(0, body.substring(0, body.length() - 1) + ",\"hash\":\"" + hash + "\"}");
        write(l);
        Audit.Report r = audit();
        assertThat(r.problems()).anySatisfy(p -> assertThat(p).startsWith("receipt 2 ").contains("does not link"))
                .anySatisfy(p -> assertThat(p).startsWith("receipt 1 ").contains("does not match deletion record 1"));
    }

    @Test
    void aRemovedOrReorderedReceiptIsFound() throws IOException {
        List<String> l = lines();
        write(l.subList(0, 2));
        assertThat(audit().problems()).singleElement().asString().contains("request " + requests.get(2))
                .contains("has no receipt");
        write(List.of(l.get(0), l.get(2), l.get(1)));
        assertThat(audit().problems()).anySatisfy(p -> assertThat(p).startsWith("receipt 2 ").contains("sequence number 3"));
        write(List.of(l.get(1), l.get(2)));
        assertThat(audit().problems()).anySatisfy(p -> assertThat(p).startsWith("receipt 1 ").contains("does not link"));
    }

    @Test
    void anIncompleteLastLineIsACrashNotTamperingAndTheServiceRepairsIt() throws IOException {
        Files.writeString(model.resolve(ReceiptLog.FILE), "{\"seq\":4,\"request_id\":\"fr-", StandardOpenOption.APPEND);
        Audit.Report r = audit();
        assertThat(r.ok()).isTrue();
        assertThat(r.notes()).anySatisfy(n -> assertThat(n).contains("incomplete line"));
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).build())) {
            assertThat(server.receipts()).isEqualTo(3);
        }
        assertThat(audit().notes()).noneSatisfy(n -> assertThat(n).contains("incomplete line"));
    }

    @Test
    void forgetsFromTheCommandLineAreNotedAndTheDigestsStillChain() {
        try (ModelStore s = ModelStore.open(model, true, SmallModels.ID_KEY)) {
            new Unlearner(s, 1, Progress.NONE).forget(ForgetRequest.ofIds(Fixture.privateId(40)));
        }
        Audit.Report r = audit();
        assertThat(r.problems()).isEmpty();
        assertThat(r.commits()).isEqualTo(4);
        assertThat(r.notes()).anySatisfy(n -> assertThat(n).contains("1 forget was made from the command line"));
        assertThat(r.lastReceiptDigest()).isNotEqualTo(r.modelDigest());
    }

    /** Audits the model directory {@code dir}, opened read-only. */
    private static Audit.Report auditOf(java.nio.file.Path dir) {
        try (org.legonet.core.LegoNet n = org.legonet.core.LegoNet.open(dir)) {
            return Audit.run(n);
        }
    }
}
