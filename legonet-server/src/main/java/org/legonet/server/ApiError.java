package org.legonet.server;

import org.legonet.core.IdConflictException;
import org.legonet.core.InvalidSettingException;
import org.legonet.core.LegoNetException;
import org.legonet.core.ModelLockedException;
import org.legonet.core.StaleModelException;
import org.legonet.core.StoreException;
import org.legonet.core.UnknownClassException;
import org.legonet.core.UnknownIdsException;

/**
 * An error the API answers with: an HTTP status and a JSON body
 * {@code {"error": {"code": "...", "message": "..."}}}. The code is stable for programs; the message
 * is one line for people.
 */
public final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String code;

    public ApiError(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    static ApiError badRequest(String code, String message) {
        return new ApiError(400, code, message);
    }

    /**
     * The answer to a typed core error, with core's message: ids or a class the model does not
     * hold 422; ids that conflict, a locked or stale model 409; a setting out of range 400; any
     * other store failure 500; any other bad input (data included) 400.
     */
    static ApiError of(LegoNetException e) {
        String m = e.getMessage();
        if (e instanceof UnknownIdsException) {
            return new ApiError(422, "unknown_ids", m);
        }
        if (e instanceof UnknownClassException) {
            return new ApiError(422, "unknown_class", m);
        }
        if (e instanceof IdConflictException) {
            return new ApiError(409, "id_conflict", m);
        }
        if (e instanceof InvalidSettingException) {
            return badRequest("invalid_setting", m);
        }
        if (e instanceof ModelLockedException) {
            return new ApiError(409, "locked", m);
        }
        if (e instanceof StaleModelException) {
            return new ApiError(409, "stale", m);
        }
        if (e instanceof StoreException) {
            return new ApiError(500, "store_error", m);
        }
        return badRequest("bad_request", m);
    }
}
