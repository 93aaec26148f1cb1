// Valid records for specs: the published examples of the standard (also the OpenAPI examples).
export { validAlert, validSeizure, publishedAlert, publishedSeizure } from '../records/record.examples';
