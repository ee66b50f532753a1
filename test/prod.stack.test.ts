import { describeStackFacts } from "./stack-facts";
import { describeStackRules, describeStateKept } from "./stack-rules";

describeStackFacts("prod");
describeStackRules("prod");
describeStateKept("prod");
