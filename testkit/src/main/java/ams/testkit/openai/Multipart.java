package ams.testkit.openai;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Splits a {@code multipart/form-data} body into its fields, by name, bytes exact. */
final class Multipart {

    private static final Pattern NAME = Pattern.compile("name=\"([^\"]*)\"");
    private static final Pattern FILE_NAME = Pattern.compile("filename=\"([^\"]*)\"");

    private Multipart() {}

    static Map<String, FakeOpenAiServer.Part> parse(byte[] body, String boundary) {
        String unquoted = boundary.replace("\"", "");
        byte[] delimiter = ("--" + unquoted).getBytes(StandardCharsets.ISO_8859_1);
        Map<String, FakeOpenAiServer.Part> parts = new LinkedHashMap<>();
        int start = indexOf(body, delimiter, 0);
        while (start >= 0) {
            int headersStart = start + delimiter.length;
            if (headersStart + 1 < body.length
                    && body[headersStart] == '-'
                    && body[headersStart + 1] == '-') {
                break;
            }
            headersStart += 2; // CRLF after the delimiter
            int headersEnd =
                    indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), headersStart);
            int next =
                    indexOf(
                            body,
                            ("\r\n--" + unquoted).getBytes(StandardCharsets.ISO_8859_1),
                            headersEnd);
            if (headersEnd < 0 || next < 0) {
                break;
            }
            String headers =
                    new String(
                            body, headersStart, headersEnd - headersStart, StandardCharsets.UTF_8);
            String name = null;
            String fileName = null;
            String contentType = null;
            for (String header : headers.split("\r\n", -1)) {
                String lower = header.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-disposition:")) {
                    Matcher m = NAME.matcher(header);
                    name = m.find() ? m.group(1) : null;
                    Matcher f = FILE_NAME.matcher(header);
                    fileName = f.find() ? f.group(1) : null;
                } else if (lower.startsWith("content-type:")) {
                    contentType = header.substring("content-type:".length()).strip();
                }
            }
            if (name != null) {
                parts.put(
                        name,
                        new FakeOpenAiServer.Part(
                                fileName,
                                contentType,
                                Arrays.copyOfRange(body, headersEnd + 4, next)));
            }
            start = next + 2;
        }
        return parts;
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        if (from < 0) {
            return -1;
        }
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
