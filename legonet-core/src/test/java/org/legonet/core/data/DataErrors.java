package org.legonet.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.GZIPOutputStream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Assertions on the readers' one-line errors, and small byte helpers the reader tests share. */
final class DataErrors {
    private DataErrors() {
    }

    /**
     * Asserts that {@code call} throws a {@link DataException} whose message is one line holding
     * every fragment.
     */
    static DataException assertOneLineError(ThrowingCallable call, String... fragments) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).isInstanceOf(DataException.class);
        String message = thrown.getMessage();
        assertThat(message).doesNotContain("\n").doesNotContain("\r");
        for (String fragment : fragments) {
            assertThat(message).contains(fragment);
        }
        return (DataException) thrown;
    }

    static byte[] gzip(byte[] plain) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
