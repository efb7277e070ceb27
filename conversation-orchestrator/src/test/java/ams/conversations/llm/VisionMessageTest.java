package ams.conversations.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a history line with images becomes a LangChain4j user message. */
class VisionMessageTest {

    @Test
    void aLineWithImagesIsTextThenOneImagePartEach() {
        UserMessage message =
                LangChainProvider.userMessage(
                        "ana: what is this?",
                        List.of(
                                new Prompt.Image("a".repeat(64), "image/png", "iVBORw0K"),
                                new Prompt.Image("b".repeat(64), "image/jpeg", "/9j/4AAQ")));
        assertEquals(3, message.contents().size());
        assertEquals(
                "ana: what is this?",
                assertInstanceOf(TextContent.class, message.contents().get(0)).text());
        ImageContent png = assertInstanceOf(ImageContent.class, message.contents().get(1));
        assertEquals("iVBORw0K", png.image().base64Data());
        assertEquals("image/png", png.image().mimeType());
        assertEquals(
                "image/jpeg",
                assertInstanceOf(ImageContent.class, message.contents().get(2)).image().mimeType());
    }

    @Test
    void aLineWithoutImagesStaysPlainText() {
        UserMessage message = LangChainProvider.userMessage("fox: hello", List.of());
        assertEquals("fox: hello", message.singleText());
    }
}
