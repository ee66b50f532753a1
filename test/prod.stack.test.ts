import { describeStackFacts } from "./stack-facts";

describeStackFacts("prod");
