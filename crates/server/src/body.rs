//! JSON request bodies whose errors name the field: `concurrency: invalid type: string
//! "one", expected u32` instead of a line and column.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body of type `T` (content type, size limit and syntax as `web::Json`).
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T> Body<T> {
    /// The value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Body<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Body<T>, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let json = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let value = json.await?.into_inner();
            serde_path_to_error::deserialize(value)
                .map(Body)
                .map_err(|e| {
                    let path = e.path().to_string();
                    let inner = e.into_inner();
                    let msg = if path == "." {
                        format!("wrong body: {inner}")
                    } else {
                        format!("{path}: {inner}")
                    };
                    ApiError::BadRequest(msg).into()
                })
        })
    }
}
