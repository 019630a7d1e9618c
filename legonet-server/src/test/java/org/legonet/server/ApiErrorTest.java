package org.legonet.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.IdConflictException;
import org.legonet.core.InvalidSettingException;
import org.legonet.core.LegoNetException;
import org.legonet.core.ModelLockedException;
import org.legonet.core.StaleModelException;
import org.legonet.core.StoreException;
import org.legonet.core.TargetExistsException;
import org.legonet.core.UnknownClassException;
import org.legonet.core.UnknownIdsException;
import org.legonet.core.data.DataException;

/** Core's typed errors map to one status and one stable code each, with core's message. */
class ApiErrorTest {
    @TempDir
    Path tmp;

    private static void maps(LegoNetException e, int status, String code) {
        ApiError a = ApiError.of(e);
        assertThat(a.status()).as(e.getClass().getSimpleName()).isEqualTo(status);
        assertThat(a.code()).as(e.getClass().getSimpleName()).isEqualTo(code);
        assertThat(a.getMessage()).isEqualTo(e.getMessage());
    }

    @Test
    void eachTypedErrorHasItsStatusAndCode() {
        Path dir = Path.of("/srv/m");
        maps(new UnknownIdsException(List.of(5L, 1301L)), 422, "unknown_ids");
        maps(new UnknownClassException(12, 10), 422, "unknown_class");
        maps(new IdConflictException(IdConflictException.Reason.HELD, List.of(7L)), 409, "id_conflict");
        maps(new InvalidSettingException("classes", "classes must be positive, got -1"), 400, "invalid_setting");
        maps(new ModelLockedException(dir), 409, "locked");
        maps(new StaleModelException("the model changed since this update was computed"), 409, "stale");
        maps(new TargetExistsException(dir), 500, "store_error");
        maps(new StoreException("chunk 3 is corrupted"), 500, "store_error");
        maps(new DataException("row 4 has 3 features, expected 6"), 400, "bad_request");
        maps(new LegoNetException("something the client sent is wrong"), 400, "bad_request");
    }

    @Test
    void theServiceAnswersATypedErrorRaisedWhileHandlingARequestWithItsStatus() {
        Path model = Fixture.model(tmp.resolve("m"));
        AtomicReference<RuntimeException> raise = new AtomicReference<>();
        FaultInjector faults = point -> {
            RuntimeException e = raise.get();
            if (point.equals(FaultInjector.ACCEPT_VALIDATED) && e != null) {
                throw e;
            }
        };
        String forget = "{\"ids\": [" + Fixture.privateId(3) + "]}";
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).optFaults(faults).build())) {
            Fixture.Http http = new Fixture.Http(server);
            raise.set(new InvalidSettingException("classes", "classes must be positive, got -1"));
            Fixture.Response r = http.post("/v1/forget", forget);
            assertThat(r.error(400)).isEqualTo("invalid_setting");
            assertThat(r.json().get("error").get("message").asText()).isEqualTo("classes must be positive, got -1");
            raise.set(new ModelLockedException(model));
            assertThat(http.post("/v1/forget", forget).error(409)).isEqualTo("locked");
            raise.set(new StaleModelException("the model changed"));
            assertThat(http.post("/v1/forget", forget).error(409)).isEqualTo("stale");
            raise.set(new StoreException("chunk 3 is corrupted"));
            assertThat(http.post("/v1/forget", forget).error(500)).isEqualTo("store_error");
            raise.set(new DataException("row 4 has 3 features"));
            assertThat(http.post("/v1/forget", forget).error(400)).isEqualTo("bad_request");
            raise.set(new IllegalStateException("a bug"));
            assertThat(http.post("/v1/forget", forget).error(500)).isEqualTo("internal");
            raise.set(null);
            assertThat(http.post("/v1/forget", forget).status()).isEqualTo(202);
        }
    }
}
