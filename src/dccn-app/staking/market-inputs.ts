/** The marketplace's records as service-level inputs (see service-level.ts for the formula). */
import { consumerCreditPpm, providerServiceLevelPpm } from "../market/index.js";
import type { ServiceLevelInputs } from "./service-level.js";

export const MARKET_SERVICE_LEVEL_INPUTS: ServiceLevelInputs = { providerServiceLevelPpm, consumerCreditPpm };
