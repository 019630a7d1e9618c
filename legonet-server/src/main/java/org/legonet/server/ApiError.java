package org.legonet.server;

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
}
