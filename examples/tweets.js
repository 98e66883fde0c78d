window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [ "1712345678901234561" ],
          "editableUntil" : "2023-10-10T15:05:11.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : { "hashtags" : [ { "text" : "FluSeason", "indices" : [ "72", "82" ] } ], "symbols" : [ ], "user_mentions" : [ ], "urls" : [ ] },
      "display_text_range" : [ "0", "110" ],
      "favorite_count" : "12",
      "id_str" : "1712345678901234561",
      "truncated" : false,
      "retweet_count" : "4",
      "id" : "1712345678901234561",
      "created_at" : "Tue Oct 10 14:05:11 +0000 2023",
      "favorited" : false,
      "full_text" : "Walk-in flu shots all week at the Main St clinic, 8am to 6pm. #FluSeason No appointment needed.",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : { "hashtags" : [ ], "symbols" : [ ], "user_mentions" : [ ], "urls" : [ ] },
      "display_text_range" : [ "0", "140" ],
      "favorite_count" : "31",
      "id_str" : "1712345678901234562",
      "truncated" : false,
      "retweet_count" : "2",
      "id" : "1712345678901234562",
      "created_at" : "Wed Nov 15 09:30:00 +0000 2023",
      "favorited" : false,
      "full_text" : "Congratulations to our NICU grad, discharged Nov 14 after 96 days with us! Her parents asked us to share: reach them at 617-555-0148.",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "retweeted" : false,
      "entities" : { "hashtags" : [ ], "symbols" : [ ], "user_mentions" : [ { "name" : "A Patient", "screen_name" : "a_patient", "indices" : [ "0", "10" ], "id_str" : "42", "id" : "42" } ], "urls" : [ ] },
      "in_reply_to_status_id_str" : "1712345678900000000",
      "in_reply_to_user_id_str" : "42",
      "in_reply_to_screen_name" : "a_patient",
      "id_str" : "1712345678901234563",
      "id" : "1712345678901234563",
      "created_at" : "Thu Nov 16 17:45:03 +0000 2023",
      "full_text" : "@a_patient We're sorry to hear that. Please DM us your MRN 00482913 so our patient relations team can follow up.",
      "lang" : "en",
      "extended_entities" : {
        "media" : [ ]
      }
    }
  },
  {
    "tweet" : {
      "retweeted" : false,
      "entities" : { "hashtags" : [ ], "symbols" : [ ], "user_mentions" : [ ], "urls" : [ ], "media" : [ { "id_str" : "1712345678901239999", "type" : "photo", "media_url_https" : "https://pbs.twimg.com/media/example.jpg" } ] },
      "extended_entities" : {
        "media" : [ { "id_str" : "1712345678901239999", "type" : "photo", "media_url_https" : "https://pbs.twimg.com/media/example.jpg", "ext_alt_text" : "Volunteer reading to a patient, wristband showing MRN 00593017" } ]
      },
      "id_str" : "1712345678901234564",
      "id" : "1712345678901234564",
      "created_at" : "Fri Nov 17 12:00:00 +0000 2023",
      "full_text" : "Story time on the pediatric floor, thanks to our amazing volunteers. https://t.co/abc123XYZ",
      "lang" : "en"
    }
  }
]
