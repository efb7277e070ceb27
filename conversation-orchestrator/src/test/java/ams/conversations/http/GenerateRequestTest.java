package ams.conversations.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.InvalidRequestException;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.HumanTimeoutAction;
import ams.events.conversation.SpeakerPolicy;
import ams.service.http.ServiceJson;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The conversation routes' request bodies, read and checked as the routes do, without a broker. */
class GenerateRequestTest {

    private static GenerateRequest read(String body) {
        return ServiceJson.read(body, GenerateRequest.class);
    }

    @Test
    void shouldCarryEveryFieldOfTheContractIntoTheEvent() {
        GenerateRequest request =
                read(
                        """
                        {"agents":["a","b"],"topic":"owls","num_turns":4,"speaker_policy":"explicit",
                         "speaker_order":["b","a"],"seed":7,"provider":"ollama","model":"m",
                         "temperature":0.5,"top_p":1,"max_tokens":64,"stop_phrases":["bye"],
                         "token_budget":900,"timeout_ms":60000,"session_id":"s-1",
                         "human_participants":["h"],"conversation_id":"c-1",
                         "termination":"stop_phrase('bye') & min_turns(2)"}
                        """);

        ConversationRequested event = request.toEvent();

        assertEquals("c-1", request.requestedId());
        assertEquals(List.of("a", "b"), event.getParticipants());
        assertEquals("owls", event.getTopic());
        assertEquals(4, event.getMaxTurns());
        assertEquals(SpeakerPolicy.EXPLICIT, event.getSpeakerPolicy());
        assertEquals(List.of("b", "a"), event.getSpeakerOrder());
        assertEquals(7L, event.getSeed());
        assertEquals("ollama", event.getGeneration().getProvider());
        assertEquals("m", event.getGeneration().getModel());
        assertEquals(0.5, event.getGeneration().getTemperature());
        assertEquals(1.0, event.getGeneration().getTopP());
        assertEquals(64, event.getGeneration().getMaxTokens());
        assertEquals(List.of("bye"), event.getTermination().getStopPhrases());
        assertEquals(900L, event.getTermination().getTokenBudget());
        assertEquals(60_000L, event.getTermination().getTimeoutMillis());
        assertEquals("stop_phrase('bye') & min_turns(2)", event.getTermination().getExpression());
        assertEquals("s-1", event.getSessionId());
        assertEquals(List.of("h"), event.getHumanParticipants());
    }

    @Test
    void shouldTakeTheDefaultsOfAMinimalRequest() {
        GenerateRequest request = read("{\"agents\":[\"a\"],\"topic\":\"t\"}");

        ConversationRequested event = request.toEvent();

        assertNull(request.requestedId());
        assertEquals(10, event.getMaxTurns());
        assertEquals(SpeakerPolicy.ROUND_ROBIN, event.getSpeakerPolicy());
        assertEquals(List.of(), event.getSpeakerOrder());
        assertEquals(List.of(), event.getTermination().getStopPhrases());
        assertNull(event.getSeed());
        assertNull(event.getGeneration().getProvider());
        assertNull(event.getTermination().getTokenBudget());
        assertNull(
                read("{\"agents\":[\"a\"],\"topic\":\"t\",\"conversation_id\":\" \"}")
                        .requestedId());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"agents\":[],\"topic\":\"t\"}|'agents' must list at least one agent id",
                "{\"topic\":\"t\"}|'agents' must list at least one agent id",
                "{\"agents\":[\"a\"]}|'topic' is required",
                "{\"agents\":[\"a\"],\"topic\":\" \"}|'topic' is required",
                "{\"agents\":[\"\"],\"topic\":\"t\"}|'agents' must contain only non-blank strings",
                "{\"agents\":[null],\"topic\":\"t\"}|'agents' must contain only non-blank strings",
                "{\"agents\":[\"a\",\"a\"],\"topic\":\"t\"}|'agents' must not repeat an agent",
                "{\"agents\":[\"a\"],\"topic\":\"t\",\"num_turns\":0}|'num_turns' must be an integer from 1 to 10000",
                "{\"agents\":[\"a\"],\"topic\":\"t\",\"num_turns\":10001}|'num_turns' must be an integer from 1 to 10000",
                "{\"agents\":[\"a\"],\"topic\":\"t\",\"speaker_policy\":\"loud\"}|'speaker_policy' must be one of",
                "{\"agents\":[\"a\"],\"topic\":\"t\",\"speaker_policy\":\"explicit\"}|'speaker_order' is required",
                "{\"agents\":[\"a\"],\"topic\":\"t\",\"speaker_order\":[\"z\"]}|'speaker_order' may only name agents",
                "{\"agents\":[\"a\"],\"topic\":\"t\",\"provider\":\"gpt\"}|'provider' must be scripted, openai or ollama",
                "{\"agents\":[\"a\"],\"topic\":\"t\",\"token_budget\":0}|'token_budget' must be a positive integer",
                "{\"agents\":[\"a\"],\"topic\":\"t\",\"timeout_ms\":-5}|'timeout_ms' must be a positive integer",
                "{\"agents\":[\"a\"],\"topic\":\"t\",\"max_tokens\":0}|'max_tokens' must be a positive integer",
                "{\"agents\":[\"a\"],\"topic\":\"t\",\"max_tokens\":3000000000}|'max_tokens' must be a positive integer up to",
                "{\"agents\":[\"a\"],\"topic\":\"t\",\"colour\":\"red\"}|unknown field 'colour'",
                "{\"agents\":[\"a\"],\"topic\":\"t\",\"termination\":\"max_turns(2\"}|'termination': expected ')' after the arguments of max_turns, found the end at column 12",
                "{\"agents\":[\"a\"],\"topic\":\"t\",\"termination\":\"speaker('z')\"}|'termination': speaker(...) names [z], not listed in 'agents'",
                "{\"agents\":[\"a\"],\"topic\":\"t\",\"termination\":\"\"}|'termination': empty expression",
            })
    void shouldRefuseARequestSayingWhatToFix(String body, String message) {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> read(body));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "\"topic\":5|topic",
                "\"num_turns\":\"many\"|num_turns",
                "\"num_turns\":true|num_turns",
                "\"num_turns\":1.5|num_turns",
                "\"temperature\":\"hot\"|temperature",
                "\"top_p\":\"x\"|top_p",
                "\"max_tokens\":\"many\"|max_tokens",
                "\"max_tokens\":1.5|max_tokens",
                "\"seed\":\"abc\"|seed",
                "\"seed\":{}|seed",
                "\"model\":5|model",
                "\"conversation_id\":5|conversation_id",
                "\"session_id\":[]|session_id",
                "\"token_budget\":2.5|token_budget",
                "\"provider\":7|provider",
                "\"stop_phrases\":\"bye\"|stop_phrases",
                "\"human_participants\":[1]|human_participants",
                "\"termination\":[]|termination",
            })
    void shouldRefuseAWronglyTypedFieldInsteadOfCoercingIt(String field, String name) {
        String body = "{\"agents\":[\"a\"],\"num_turns\":1,\"topic\":\"t\"," + field + "}";
        body = body.replace("\"topic\":\"t\",\"topic\":5", "\"topic\":5");
        String finalBody = body;
        InvalidRequestException e =
                assertThrows(InvalidRequestException.class, () -> read(finalBody));
        assertTrue(e.getMessage().contains(name), e.getMessage());
    }

    @Test
    void shouldRefuseABodyThatIsNotOneJsonObject() {
        for (String body : List.of("", "not json", "[]", "{\"agents\":[\"a\"],\"topic\":\"t\"}}")) {
            assertThrows(InvalidRequestException.class, () -> read(body), body);
        }
    }

    @Test
    void shouldDefaultACancelAndRequireBothPartsOfAHumanMessage() {
        CancelRequest cancel = ServiceJson.read("{\"reason\":\"enough\"}", CancelRequest.class);
        assertEquals("enough", cancel.reason());
        assertEquals(CancelRequest.DEFAULT_REQUESTED_BY, cancel.requestedBy());
        assertEquals(CancelRequest.DEFAULT_REASON, CancelRequest.byDefault().reason());
        assertThrows(
                InvalidRequestException.class,
                () -> ServiceJson.read("{\"reason\":5}", CancelRequest.class));

        HumanMessageRequest message =
                ServiceJson.read(
                        "{\"author\":\"bob\",\"content\":\"hi\"}", HumanMessageRequest.class);
        assertEquals("bob", message.author());
        InvalidRequestException missing =
                assertThrows(
                        InvalidRequestException.class,
                        () -> ServiceJson.read("{\"author\":\"bob\"}", HumanMessageRequest.class));
        assertTrue(missing.getMessage().contains("'content'"), missing.getMessage());
    }

    @Test
    void shouldCarryHumanTurnsWithTheirDefaults() {
        ConversationRequested event =
                read("""
                                {"agents":["a","b"],"topic":"t","human_participants":["alice"],
                                 "human_turns":{}}
                                """)
                        .toEvent();
        assertEquals(900_000L, event.getHumanTurns().getTimeoutMillis());
        assertEquals(HumanTimeoutAction.END, event.getHumanTurns().getOnTimeout());
        ConversationRequested skip =
                read("""
                                {"agents":["a"],"topic":"t","human_participants":["alice"],
                                 "speaker_policy":"explicit","speaker_order":["alice","a"],
                                 "human_turns":{"timeout_ms":5000,"on_timeout":"skip"}}
                                """)
                        .toEvent();
        assertEquals(5_000L, skip.getHumanTurns().getTimeoutMillis());
        assertEquals(HumanTimeoutAction.SKIP, skip.getHumanTurns().getOnTimeout());
        assertNull(
                read("{\"agents\":[\"a\"],\"topic\":\"t\",\"human_participants\":[\"h\"]}")
                        .toEvent()
                        .getHumanTurns(),
                "without human_turns people take no turn");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{'agents':['a'],'topic':'t','human_turns':{}}|'human_turns' needs 'human_participants'",
                "{'agents':['a'],'topic':'t','human_participants':['a'],'human_turns':{}}|also agent ids",
                "{'agents':['a'],'topic':'t','human_participants':['h'],'human_turns':{'on_timeout':'wait'}}|'human_turns.on_timeout' must be skip or end",
                "{'agents':['a'],'topic':'t','human_participants':['h'],'human_turns':{'timeout_ms':0}}|'human_turns.timeout_ms' must be a positive",
                "{'agents':['a'],'topic':'t','human_participants':['h'],'human_turns':{'timeout':5}}|timeout",
                "{'agents':['a'],'topic':'t','human_participants':['h'],'speaker_order':['h'],'speaker_policy':'explicit'}|'speaker_order' may only name agents"
            })
    void shouldRefuseBadHumanTurnsSayingWhatToFix(String body, String message) {
        InvalidRequestException e =
                assertThrows(InvalidRequestException.class, () -> read(body.replace('\'', '"')));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
